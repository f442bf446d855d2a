import { AwsError, missingParameter } from "./errors.js";

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
    for (const t of texts) {
      for (const pair of t.split("&")) {
        if (pair === "") continue;
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
      out.push(v);
    }
    // An empty list is sent by the SDK as the bare `Name=`; both mean "present, empty".
    if (out.length === 0 && !this.values.has(name)) return undefined;
    return out;
  }

  /** `Name.member.N.Field` structures, e.g. `PolicyArns.member.1.arn`, `Tags.member.1.Key`. */
  structList(name: string): Array<Record<string, string>> | undefined {
    const out: Array<Record<string, string>> = [];
    for (let i = 1; ; i++) {
      const prefix = `${name}.member.${i}.`;
      const item: Record<string, string> = {};
      let found = false;
      for (const [k, v] of this.values) {
        if (k.startsWith(prefix)) {
          item[k.slice(prefix.length)] = v;
          found = true;
        }
      }
      if (!found) break;
      out.push(item);
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
