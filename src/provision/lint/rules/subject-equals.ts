import type { LintRule } from "../types.js";
import {
  baseOperator,
  conditionPosition,
  providerClaim,
  subPatternFor,
  withoutEscapes,
} from "./helpers.js";

/** sub ends with the step UUID, new on every run: StringEquals pins one step of one run. */
export const subjectEquals: LintRule = {
  id: "subject-equals",
  severity: "warning",
  description:
    "StringEquals on <provider>:sub matches a single step of a single run, since sub ends with the step UUID.",
  help: 'Use StringLike with "{repository-uuid}:*" (or "{repository-uuid}:{environment-uuid}:*").',
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        for (const c of s.conditions) {
          const base = baseOperator(c.operator);
          if (
            providerClaim(c.key) !== "sub" ||
            (base !== "StringEquals" && base !== "StringEqualsIgnoreCase")
          )
            continue;
          // Values with wildcards are wildcard-in-string-equals' business.
          const literal = c.values.filter((v) => !/[*?]/.test(withoutEscapes(v)));
          if (literal.length === 0) continue;
          const patterns = [...new Set(literal.map(subPatternFor))];
          report({
            file: t.file,
            position: conditionPosition(t, c),
            message: `${t.label}: statement ${s.index} matches ${c.key} with ${c.operator} ${JSON.stringify(literal[0])}; sub is "{repository}:{step}" with a new step UUID every run, so at most one step of one run can ever match.`,
            fix: `Use "StringLike": {"${c.key}": ${patterns.length === 1 ? JSON.stringify(patterns[0]) : JSON.stringify(patterns)}}.`,
          });
        }
      }
    }
  },
};
