/**
 * One condition (operator × key) compiled for repeated evaluation, and its semantics:
 *
 * - Several values for one key are OR; for negated operators (StringNotEquals, NotIpAddress, …)
 *   a NOR: the request value must match none of them.
 * - A multi-valued request key without a set prefix matches if any value matches (negated: if
 *   no value matches any policy value).
 * - ForAnyValue: at least one request value satisfies; ForAllValues: every request value does.
 * - Absent key (or an empty list): `…IfExists` → true; ForAllValues → true (the classic hole);
 *   ForAnyValue → false; negated → true; otherwise false.
 * - A request value that cannot be read as the operator's type (a number, a date, an address,
 *   base64, true/false) satisfies neither the operator nor its negation.
 * - Policy variables: see `variables.ts`. A value whose variable has no value in the request
 *   matches nothing; for a negated operator it makes the condition false, because AWS documents
 *   that an unresolved variable makes the statement invalid, and a NOR that silently skips a
 *   value would widen an Allow.
 */
import { PolicyError } from "../errors.js";
import { compileArnPattern } from "./arn.js";
import type { ContextView } from "./context.js";
import { compileGlob, type GlobPart, literalOf, type StringMatcher } from "./glob.js";
import { type CidrSet, cidrsContain, compileCidrs } from "./ip.js";
import { childPath } from "./json-path.js";
import type { ParsedOperator } from "./operators.js";
import { conditionReason } from "./reasons.js";
import { canonicalBase64, parseBool, parseDate, parseNumber } from "./scalars.js";
import type { ConditionTrace } from "./types.js";
import { parseTemplate, resolveTemplate, type Template } from "./variables.js";

/** 1: a policy value matches; 0: none does; -1: cannot compare (bad type, unresolved variable). */
export type ValueResult = 1 | 0 | -1;
type ValueMatcher = (value: string, view: ContextView) => ValueResult;

export class CompiledCondition {
  constructor(
    readonly op: ParsedOperator,
    readonly key: string,
    readonly lowerKey: string,
    readonly policyValues: string[],
    readonly matchValue: ValueMatcher,
    /** Templates of String/Arn values that contain variables, for failure reasons. */
    readonly templates: readonly Template[] | undefined,
  ) {}

  evaluate(view: ContextView): ConditionTrace {
    const op = this.op;
    const values = view.values(this.key, this.lowerKey);
    let matched: boolean;
    if (op.family === "Null") {
      const absent = values === null || values.length === 0;
      matched = false;
      for (const p of this.policyValues) if ((p === "true") === absent) matched = true;
    } else if (values === null || values.length === 0) {
      if (op.ifExists || op.set === "ForAllValues") matched = true;
      else if (op.set === "ForAnyValue") matched = false;
      else matched = op.negated;
    } else if (op.set === "ForAllValues" || (op.set === undefined && op.negated)) {
      // Every request value must satisfy: match a policy value, or (negated) match none.
      const want = op.negated ? 0 : 1;
      matched = true;
      for (const v of values) {
        if (this.matchValue(v, view) !== want) {
          matched = false;
          break;
        }
      }
    } else {
      const want = op.negated ? 0 : 1;
      matched = false;
      for (const v of values) {
        if (this.matchValue(v, view) === want) {
          matched = true;
          break;
        }
      }
    }
    const trace: ConditionTrace = {
      operator: op.written,
      key: this.key,
      policyValues: this.policyValues,
      contextValues: values,
      matched,
      reason: undefined,
    };
    // Reasons are built only when someone will want one: a failure, or an absent key that passed.
    if (!matched || values === null || values.length === 0) {
      trace.reason = conditionReason(this, values, matched, view);
    }
    return trace;
  }
}

/** Condition values as IAM accepts them: a string, number or boolean, or a non-empty list of those. */
function readValues(raw: unknown, path: string): { text: string; path: string }[] {
  const one = (v: unknown, p: string): { text: string; path: string } => {
    if (typeof v === "string") return { text: v, path: p };
    if (typeof v === "number" && Number.isFinite(v)) return { text: String(v), path: p };
    if (typeof v === "boolean") return { text: String(v), path: p };
    throw new PolicyError(
      `a condition value must be a string, number or boolean, not ${describeType(v)}`,
      p,
    );
  };
  if (Array.isArray(raw)) {
    if (raw.length === 0) {
      throw new PolicyError(
        "a condition key needs at least one value; remove the key or give it a value",
        path,
      );
    }
    return raw.map((v, i) => one(v, childPath(path, i)));
  }
  return [one(raw, path)];
}

export function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

export function compileCondition(
  op: ParsedOperator,
  key: string,
  raw: unknown,
  path: string,
  variables: boolean,
): CompiledCondition {
  if (key.trim() === "") throw new PolicyError("a condition key name must not be empty", path);
  const values = readValues(raw, path);
  const texts = values.map((v) => v.text);
  const invalid = (v: { text: string; path: string }, what: string): never => {
    throw new PolicyError(`${op.written} needs ${what}; "${v.text}" is not one`, v.path);
  };
  let matcher: ValueMatcher;
  let templates: Template[] | undefined;
  switch (op.family) {
    case "String":
    case "Arn": {
      const compiled = compileStringOrArn(op, texts, variables);
      matcher = compiled.matcher;
      templates = compiled.templates;
      break;
    }
    case "Numeric":
    case "Date": {
      const parse = op.family === "Numeric" ? parseNumber : parseDate;
      const what =
        op.family === "Numeric"
          ? "numbers"
          : 'dates (ISO 8601 such as "2024-01-31T00:00:00Z", or epoch seconds)';
      const nums = values.map((v) => {
        const n = parse(v.text);
        return Number.isNaN(n) ? invalid(v, what) : n;
      });
      matcher = numericMatcher(op, nums, parse);
      break;
    }
    case "Bool": {
      const bools = values.map((v) => parseBool(v.text) ?? invalid(v, '"true" or "false"'));
      matcher = (v) => {
        const b = parseBool(v);
        return b === undefined ? -1 : bools.includes(b) ? 1 : 0;
      };
      break;
    }
    case "Null": {
      for (const v of values) if (parseBool(v.text) === undefined) invalid(v, '"true" or "false"');
      // Null reads key presence, not values; evaluate() handles it.
      matcher = () => 0;
      return new CompiledCondition(
        op,
        key,
        key.toLowerCase(),
        texts.map((t) => parseBool(t)!),
        matcher,
        undefined,
      );
    }
    case "Binary": {
      const wanted = values.map((v) => canonicalBase64(v.text) ?? invalid(v, "base64 text"));
      // IAM compares the key's bytes with the policy's base64: a string key is its UTF-8 bytes.
      matcher = (v) => (wanted.includes(Buffer.from(v, "utf8").toString("base64")) ? 1 : 0);
      break;
    }
    case "Ip": {
      let set: CidrSet;
      try {
        set = compileCidrs(texts);
      } catch (e) {
        const bad = values.find((v) => {
          try {
            compileCidrs([v.text]);
            return false;
          } catch {
            return true;
          }
        });
        throw new PolicyError(`${op.written}: ${(e as Error).message}`, bad?.path ?? path);
      }
      matcher = (v) => {
        const r = cidrsContain(set, v);
        return r === null ? -1 : r ? 1 : 0;
      };
      break;
    }
  }
  return new CompiledCondition(
    op,
    key,
    key.toLowerCase(),
    Object.freeze(texts) as string[],
    matcher,
    templates,
  );
}

function numericMatcher(
  op: ParsedOperator,
  wanted: number[],
  parse: (s: string) => number,
): ValueMatcher {
  const test = (got: number, want: number): boolean => {
    switch (op.comparison) {
      case "lessThan":
        return got < want;
      case "lessThanEquals":
        return got <= want;
      case "greaterThan":
        return got > want;
      case "greaterThanEquals":
        return got >= want;
      default:
        return got === want;
    }
  };
  return (v) => {
    const got = parse(v);
    if (Number.isNaN(got)) return -1;
    for (const w of wanted) if (test(got, w)) return 1;
    return 0;
  };
}

/** The parts of a template known to hold no variable (static, or already resolved). */
function staticParts(t: Template): GlobPart[] {
  return t.parts as GlobPart[];
}

/** String and ARN values: static ones compiled now, ones with variables resolved per request. */
/** String* and Arn* operators: exact sets, IgnoreCase sets, globs, ARN patterns, variables. */
function compileStringOrArn(
  op: ParsedOperator,
  texts: string[],
  variables: boolean,
): { matcher: ValueMatcher; templates: Template[] | undefined } {
  const wildcards = op.comparison === "like";
  const ignoreCase = op.comparison === "equalsIgnoreCase";
  const parsed = texts.map((t) => parseTemplate(t, variables, wildcards));
  const build = (t: Template): StringMatcher => {
    const parts = staticParts(t);
    if (op.family === "Arn") return compileArnPattern(parts);
    if (wildcards) return compileGlob(parts);
    const literal = literalOf(parts);
    return (v) => v === literal;
  };
  const dynamic = parsed.filter((t) => t.dynamic);
  const staticOnes = parsed.filter((t) => !t.dynamic);

  // Exact string sets: one hash lookup however many values (IgnoreCase: lowercased both sides).
  let staticMatch: (v: string) => boolean;
  if (!wildcards && op.family === "String") {
    const set = new Set(staticOnes.map((t) => literalOf(staticParts(t))));
    if (ignoreCase) {
      const lower = new Set([...set].map((s) => s.toLowerCase()));
      staticMatch = (v) => lower.has(v.toLowerCase());
    } else if (set.size === 1) {
      const only = [...set][0]!;
      staticMatch = (v) => v === only;
    } else {
      staticMatch = (v) => set.has(v);
    }
  } else {
    const matchers = staticOnes.map(build);
    staticMatch =
      matchers.length === 1
        ? matchers[0]!
        : (v) => {
            for (const m of matchers) if (m(v)) return true;
            return false;
          };
  }
  if (dynamic.length === 0) {
    return { matcher: (v) => (staticMatch(v) ? 1 : 0), templates: undefined };
  }
  return {
    matcher: (v, view) => {
      if (staticOnes.length > 0 && staticMatch(v)) return 1;
      let unresolved = false;
      for (const t of dynamic) {
        const r = resolveTemplate(t, (l) => view.variable(l));
        if (r.parts === undefined) {
          unresolved = true;
          continue;
        }
        if (ignoreCase) {
          if (literalOf(r.parts).toLowerCase() === v.toLowerCase()) return 1;
        } else if (build({ parts: r.parts, dynamic: false })(v)) {
          return 1;
        }
      }
      return unresolved ? -1 : 0;
    },
    templates: dynamic,
  };
}
