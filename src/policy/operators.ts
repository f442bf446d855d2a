/**
 * Condition operator names: `[ForAnyValue:|ForAllValues:]<Base>[IfExists]`. IAM spells them
 * case-sensitively (`stringEquals` is refused: "Invalid Condition type : stringEquals").
 *
 * Where each operator is implemented. Every operator is parsed here (`parseOperator`, the table
 * `OPERATORS` below); `compileCondition` in conditions.ts compiles its values with the family's
 * compiler, and `CompiledCondition.evaluate` applies the shared rules (absent keys, negation as a
 * NOR, `ForAnyValue:`/`ForAllValues:`, `…IfExists`).
 *
 * | operators | values compiled by | a request value matched by |
 * |---|---|---|
 * | StringEquals, StringNotEquals | conditions.ts `compileStringOrArn` | a Set / `===` |
 * | StringEqualsIgnoreCase, StringNotEqualsIgnoreCase | conditions.ts `compileStringOrArn` | a Set of lowercased values |
 * | StringLike, StringNotLike | conditions.ts `compileStringOrArn` | glob.ts `compileGlob` (`*`, `?`) |
 * | ArnEquals, ArnLike, ArnNotEquals, ArnNotLike | conditions.ts `compileStringOrArn` | arn.ts `compileArnPattern` (segment-wise globs) |
 * | Numeric* | scalars.ts `parseNumber` | conditions.ts `numericMatcher` |
 * | Date* | scalars.ts `parseDate` (ISO 8601 or epoch seconds) | conditions.ts `numericMatcher` |
 * | Bool | scalars.ts `parseBool` | conditions.ts `compileCondition`, case "Bool" |
 * | BinaryEquals | scalars.ts `canonicalBase64` | conditions.ts `compileCondition`, case "Binary" |
 * | IpAddress, NotIpAddress | ip.ts `compileCidrs` | ip.ts `cidrsContain` |
 * | Null | conditions.ts `compileCondition`, case "Null" | key presence, in `CompiledCondition.evaluate` |
 *
 * Policy variables (`${aws:username}`, `${*}`) in String and Arn values: variables.ts.
 */
import { nearest } from "./suggest.js";

export type Family = "String" | "Numeric" | "Date" | "Bool" | "Binary" | "Ip" | "Arn" | "Null";

/** How a policy value compares with a request value (before negation). */
export type Comparison =
  | "equals"
  | "equalsIgnoreCase"
  | "like"
  | "lessThan"
  | "lessThanEquals"
  | "greaterThan"
  | "greaterThanEquals"
  | "inRange"
  | "isNull";

export interface OperatorSpec {
  family: Family;
  comparison: Comparison;
  /** StringNotEquals and kin: the values are a NOR, and an absent key matches. */
  negated: boolean;
}

export interface ParsedOperator extends OperatorSpec {
  /** As written, e.g. `ForAnyValue:StringLikeIfExists`. */
  written: string;
  /** Without prefix and suffix, e.g. `StringLike`. */
  base: string;
  ifExists: boolean;
  set: "ForAnyValue" | "ForAllValues" | undefined;
}

const spec = (family: Family, comparison: Comparison, negated = false): OperatorSpec => ({
  family,
  comparison,
  negated,
});

export const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map([
  ["StringEquals", spec("String", "equals")],
  ["StringNotEquals", spec("String", "equals", true)],
  ["StringEqualsIgnoreCase", spec("String", "equalsIgnoreCase")],
  ["StringNotEqualsIgnoreCase", spec("String", "equalsIgnoreCase", true)],
  ["StringLike", spec("String", "like")],
  ["StringNotLike", spec("String", "like", true)],
  ["NumericEquals", spec("Numeric", "equals")],
  ["NumericNotEquals", spec("Numeric", "equals", true)],
  ["NumericLessThan", spec("Numeric", "lessThan")],
  ["NumericLessThanEquals", spec("Numeric", "lessThanEquals")],
  ["NumericGreaterThan", spec("Numeric", "greaterThan")],
  ["NumericGreaterThanEquals", spec("Numeric", "greaterThanEquals")],
  ["DateEquals", spec("Date", "equals")],
  ["DateNotEquals", spec("Date", "equals", true)],
  ["DateLessThan", spec("Date", "lessThan")],
  ["DateLessThanEquals", spec("Date", "lessThanEquals")],
  ["DateGreaterThan", spec("Date", "greaterThan")],
  ["DateGreaterThanEquals", spec("Date", "greaterThanEquals")],
  ["Bool", spec("Bool", "equals")],
  ["BinaryEquals", spec("Binary", "equals")],
  ["IpAddress", spec("Ip", "inRange")],
  ["NotIpAddress", spec("Ip", "inRange", true)],
  // ArnEquals and ArnLike are the same test in IAM: segment-wise, wildcards allowed.
  ["ArnEquals", spec("Arn", "like")],
  ["ArnLike", spec("Arn", "like")],
  ["ArnNotEquals", spec("Arn", "like", true)],
  ["ArnNotLike", spec("Arn", "like", true)],
  ["Null", spec("Null", "isNull")],
]);

const SET_PREFIXES = ["ForAnyValue", "ForAllValues"] as const;

/** Every valid spelling, for suggestions. Null takes neither IfExists nor a set prefix. */
function allNames(): string[] {
  const names: string[] = [];
  for (const base of OPERATORS.keys()) {
    names.push(base);
    if (base === "Null") continue;
    names.push(`${base}IfExists`);
    for (const p of SET_PREFIXES) names.push(`${p}:${base}`, `${p}:${base}IfExists`);
  }
  return names;
}
let namesCache: string[] | undefined;

/** The operator, or a message saying what is wrong and what would be right. */
export function parseOperator(written: string): ParsedOperator | { error: string } {
  let rest = written;
  let set: ParsedOperator["set"];
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    const prefix = rest.slice(0, colon);
    if (prefix !== "ForAnyValue" && prefix !== "ForAllValues") return unknown(written);
    set = prefix;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  let found = OPERATORS.get(rest);
  if (!found && rest.endsWith("IfExists")) {
    ifExists = true;
    rest = rest.slice(0, -"IfExists".length);
    found = OPERATORS.get(rest);
  }
  if (!found) return unknown(written);
  if (rest === "Null" && (ifExists || set)) {
    return {
      error: `condition operator "${written}" is not valid: Null takes no IfExists suffix or set prefix; write "Null" with "true" (key must be absent) or "false" (key must be present)`,
    };
  }
  return { ...found, written, base: rest, ifExists, set };
}

function unknown(written: string): { error: string } {
  namesCache ??= allNames();
  const guess = nearest(written, namesCache);
  return {
    error:
      `unknown condition operator "${written}"` +
      (guess
        ? `; did you mean "${guess}"?`
        : "; valid operators are String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress, NotIpAddress, Arn* and Null, optionally with IfExists or a ForAnyValue:/ForAllValues: prefix"),
  };
}
