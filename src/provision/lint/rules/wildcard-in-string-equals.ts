import type { LintRule } from "../types.js";
import { baseOperator, conditionPosition, quoteList, withoutEscapes } from "./helpers.js";

const EQUALS_FAMILY = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
];

/** StringEquals compares literally: `{repo}:*` matches only a sub that ends in a real asterisk. */
export const wildcardInStringEquals: LintRule = {
  id: "wildcard-in-string-equals",
  severity: "error",
  description:
    "A StringEquals/StringNotEquals value contains * or ?, which that operator treats as literal characters.",
  help: "Use StringLike (or StringNotLike), where * and ? are wildcards.",
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        for (const c of s.conditions) {
          const base = baseOperator(c.operator);
          if (!EQUALS_FAMILY.includes(base)) continue;
          const wild = c.values.filter((v) => /[*?]/.test(withoutEscapes(v)));
          if (wild.length === 0) continue;
          const like = c.operator.replace(
            base,
            base.includes("Not") ? "StringNotLike" : "StringLike",
          );
          report({
            file: t.file,
            position: conditionPosition(t, c),
            message: `${t.label}: statement ${s.index} compares ${c.key} with ${c.operator} against ${quoteList(wild)}; ${base} takes * and ? literally, so this matches only values containing those characters.`,
            fix: `Use "${like}" for ${c.key}${base.includes("IgnoreCase") ? " (StringLike is case-sensitive)" : ""}.`,
          });
        }
      }
    }
  },
};
