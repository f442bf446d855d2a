import { limitViolation } from "../http-limits.js";
import { AwsError, missingParameter } from "./errors.js";

/**
 * Parameters one request may carry. Far above any real call (a StackSet with 200 parameters and 50
 * tags sends under 1,000); parsing this many takes a few milliseconds, so one request cannot hold
 * the event loop (docs/architecture.md, "Request handling, limits and state").
 */
export const MAX_QUERY_PARAMETERS = 10_000;

/**
 * Members one list may have. No list of the services served comes near it (the longest model
 * maximum is 500); a longer one is refused before a handler reads it, without echoing it.
 */
export const MAX_LIST_MEMBERS = 1000;

/**
 * AWS's own maxima, for naming them when a list passes `MAX_LIST_MEMBERS` (shorter lists over
 * them are the handlers' to refuse, in the service's words): docs/aws-behaviour.md, "Limits".
 */
const AWS_LIST_MAXIMA: Readonly<Record<string, number>> = {
  PolicyArns: 10,
  Tags: 50,
  TagKeys: 50,
  TransitiveTagKeys: 50,
  NotificationARNs: 5,
  ThumbprintList: 5,
  ClientIDList: 100,
};

/**
 * The flat `Name.member.N.Field=value` parameters of an AWS Query request, from the query string
 * and the form body together.
 */
export class QueryParams {
  private readonly values: Map<string, string>;

  constructor(values: Map<string, string>) {
    this.values = values;
  }

  /** Parses `application/x-www-form-urlencoded` text; a bad percent-escape is the caller's fault. */
  static parse(...texts: string[]): QueryParams {
    const values = new Map<string, string>();
    let count = 0;
    for (const t of texts) {
      for (const pair of t.split("&")) {
        if (pair === "") continue;
        if (++count > MAX_QUERY_PARAMETERS) throw tooManyParameters();
        const eq = pair.indexOf("=");
        const rawKey = eq < 0 ? pair : pair.slice(0, eq);
        const rawValue = eq < 0 ? "" : pair.slice(eq + 1);
        values.set(decodeFormPart(rawKey), decodeFormPart(rawValue));
      }
    }
    return new QueryParams(values);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  required(name: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw missingParameter(name);
    return v;
  }

  /** `Name.member.1`, `Name.member.2`, … in index order (gaps end the list, as AWS reads it). */
  list(name: string): string[] | undefined {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const v = this.values.get(`${name}.member.${i}`);
      if (v === undefined) break;
      if (i > MAX_LIST_MEMBERS) throw tooManyMembers(name);
      out.push(v);
    }
    // An empty list is sent by the SDK as the bare `Name=`; both mean "present, empty".
    if (out.length === 0 && !this.values.has(name)) return undefined;
    return out;
  }

  /**
   * `Name.member.N.Field` structures, e.g. `PolicyArns.member.1.arn`, `Tags.member.1.Key`. One
   * pass over the parameters, whatever the number of members (a scan per member was quadratic).
   * How many members a list may have is the model's, checked by the service's handler.
   */
  structList(name: string): Array<Record<string, string>> | undefined {
    const prefix = `${name}.member.`;
    const byIndex = new Map<number, Record<string, string>>();
    for (const [k, v] of this.values) {
      if (!k.startsWith(prefix)) continue;
      const dot = k.indexOf(".", prefix.length);
      if (dot < 0) continue;
      const digits = k.slice(prefix.length, dot);
      if (!/^[1-9]\d{0,5}$/.test(digits)) continue;
      const index = Number(digits);
      let item = byIndex.get(index);
      if (item === undefined) {
        item = {};
        byIndex.set(index, item);
      }
      item[k.slice(dot + 1)] = v;
    }
    const out: Array<Record<string, string>> = [];
    for (let i = 1; byIndex.has(i); i++) {
      if (i > MAX_LIST_MEMBERS) throw tooManyMembers(name);
      out.push(byIndex.get(i)!);
    }
    if (out.length === 0 && !this.values.has(name)) return undefined;
    return out;
  }

  /** An integer member; range checks belong to the caller's constraint list. */
  integer(name: string, member: string): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (!/^-?\d{1,12}$/.test(raw.trim())) {
      throw new AwsError(
        "ValidationError",
        400,
        `1 validation error detected: Value '${raw}' at '${member}' failed to satisfy constraint: Member must be a number`,
      );
    }
    return Number(raw.trim());
  }

  boolean(name: string): boolean | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    return raw.toLowerCase() === "true";
  }
}

function tooManyParameters(): AwsError {
  return limitViolation(
    new AwsError(
      "ValidationError",
      400,
      `The request has more than ${MAX_QUERY_PARAMETERS} parameters; the emulator refuses it (AWS's own limits on every list are far lower).`,
    ),
  );
}

/** AWS's wording for a list over its maximum, naming (not echoing) the list. */
function tooManyMembers(name: string): AwsError {
  const member = name.charAt(0).toLowerCase() + name.slice(1);
  const max = AWS_LIST_MAXIMA[name] ?? MAX_LIST_MEMBERS;
  return limitViolation(
    new AwsError(
      "ValidationError",
      400,
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    ),
  );
}

function decodeFormPart(raw: string): string {
  // Names and most values (Action, RoleArn, …) carry no escapes: nothing to decode.
  if (raw.indexOf("%") < 0 && raw.indexOf("+") < 0) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    // 404 is the status AWS's common-errors table gives MalformedQueryString.
    throw new AwsError(
      "MalformedQueryString",
      404,
      `The request body or query string is not valid form encoding near '${raw.slice(0, 40)}'.`,
    );
  }
}
