/**
 * Plain-words reasons for condition outcomes, built only on failure (or when an absent key
 * passed), so the evaluate hot path does not format strings for conditions that matched.
 */
import type { CompiledCondition } from "./conditions.js";
import type { ContextView } from "./context.js";
import type { Family, ParsedOperator } from "./operators.js";
import { resolveTemplate } from "./variables.js";

const SHOWN = 4;

export function quoteList(values: readonly string[], joiner = " or "): string {
  const quoted = values.map((v) => JSON.stringify(v));
  if (quoted.length <= SHOWN) {
    return quoted.length <= 1
      ? (quoted[0] ?? "nothing")
      : `${quoted.slice(0, -1).join(", ")}${joiner}${quoted[quoted.length - 1]}`;
  }
  return `${quoted.slice(0, SHOWN - 1).join(", ")}${joiner}${quoted.length - SHOWN + 1} more`;
}

const TYPE_NAMES: Partial<Record<Family, string>> = {
  Numeric: "a number",
  Date: "a date (ISO 8601 or epoch seconds)",
  Bool: '"true" or "false"',
  Binary: "base64 text",
  Ip: "an IP address",
};

const COMPARISON_WORDS: Record<string, [string, string]> = {
  // [numeric, date]
  equals: ["equal to", "equal to"],
  lessThan: ["less than", "before"],
  lessThanEquals: ["at most", "at or before"],
  greaterThan: ["greater than", "after"],
  greaterThanEquals: ["at least", "at or after"],
};

/** What the policy asks for, e.g. `"{repo-a}:*"`, `anything but "x"`, `a number less than 5`. */
export function wanted(op: ParsedOperator, values: readonly string[]): string {
  if (op.family === "Numeric" || op.family === "Date") {
    const words = COMPARISON_WORDS[op.comparison] ?? ["equal to", "equal to"];
    const noun = op.family === "Numeric" ? "a number" : "a date";
    const word = op.negated ? "other than" : op.family === "Numeric" ? words[0] : words[1];
    return `${noun} ${word} ${values.length === 1 ? values[0] : quoteList(values)}`;
  }
  if (op.family === "Ip") {
    return `an address ${op.negated ? "outside" : "in"} ${values.length > SHOWN ? quoteList(values, " or ") : values.join(", ")}`;
  }
  const list = quoteList(values);
  const suffix = op.comparison === "equalsIgnoreCase" ? " (in any case)" : "";
  if (op.negated) {
    return values.length === 1 ? `anything but ${list}${suffix}` : `none of ${list}${suffix}`;
  }
  return `${list}${suffix}`;
}

export function conditionReason(
  cond: CompiledCondition,
  values: readonly string[] | null,
  matched: boolean,
  view: ContextView,
): string {
  const op = cond.op;
  const absent = values === null || values.length === 0;
  const absentWords = values === null ? "key is absent" : "key has no values";
  if (op.family === "Null") {
    if (matched) return `${absentWords}, as Null "true" asks`;
    return absent
      ? `wanted the key to be present (Null "false"), ${absentWords}`
      : `wanted the key to be absent (Null "true"), the request has ${quoteList(values)}`;
  }
  if (absent) {
    if (!matched) {
      return op.set === "ForAnyValue"
        ? `${absentWords}; ForAnyValue needs at least one value`
        : absentWords;
    }
    if (op.set === "ForAllValues" && !op.ifExists) {
      return `${absentWords}, and ForAllValues holds for an empty set: a request without this key passes`;
    }
    if (op.ifExists) return `${absentWords}, so ${op.base}IfExists counts it as a match`;
    return `${absentWords}, and a negated operator (${op.base}) matches an absent key`;
  }

  const typeName = TYPE_NAMES[op.family];
  if (typeName !== undefined) {
    for (const v of values) {
      if (cond.matchValue(v, view) === -1) {
        return `the request value ${JSON.stringify(v)} is not ${typeName}`;
      }
    }
  }
  if (cond.templates !== undefined) {
    for (const t of cond.templates) {
      const r = resolveTemplate(t, (l) => view.variable(l));
      if (r.missing !== undefined) {
        return `policy variable \${${r.missing}} has no value in the request, so it matches nothing`;
      }
    }
  }
  const w = wanted(op, cond.policyValues);
  const has = `the request has ${quoteList(values, ", ")}`;
  if (op.set === "ForAllValues") return `wanted ${w} for every value, ${has}`;
  if (op.set === "ForAnyValue") return `wanted ${w} for at least one value, ${has}`;
  return `wanted ${w}, ${has}`;
}
