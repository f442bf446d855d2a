import type { LintRule } from "../types.js";
import {
  braceAll,
  conditionPosition,
  providerClaim,
  quoteList,
  unbracedUuidsIn,
} from "./helpers.js";

/** Bitbucket writes `{uuid}` in sub; a bare UUID never matches (docs/aws-behaviour.md, "Tokens and claims"). */
export const uuidWithoutBraces: LintRule = {
  id: "uuid-without-braces",
  severity: "error",
  description:
    "A <provider>:sub pattern holds a UUID without braces; Bitbucket's sub carries {…} around every UUID.",
  help: 'Write repository and environment UUIDs with braces, e.g. "{1de489be-…}:*".',
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        for (const c of s.conditions) {
          if (providerClaim(c.key) !== "sub") continue;
          const bad = c.values.filter((v) => unbracedUuidsIn(v).length > 0);
          if (bad.length === 0) continue;
          report({
            file: t.file,
            position: conditionPosition(t, c),
            message: `${t.label}: statement ${s.index} matches ${c.key} against ${quoteList(bad)}, whose UUIDs lack braces; Bitbucket's sub is "{repository-uuid}:{step-uuid}", so this never matches.`,
            fix: `Write ${quoteList(bad.map(braceAll))}.`,
          });
        }
      }
    }
  },
};
