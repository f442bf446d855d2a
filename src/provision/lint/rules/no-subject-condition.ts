import type { LintRule } from "../types.js";
import { positionIn, urlOf } from "./helpers.js";

/**
 * Decided by the engine, not by reading conditions: a token from a repository the policy never
 * mentions is put to the STS decision. A condition that looks restrictive but is not (a typo in
 * the key, a `*` pattern, a ForAllValues on an absent key) is caught the same way as none.
 */
export const noSubjectCondition: LintRule = {
  id: "no-subject-condition",
  severity: "error",
  description:
    "Any repository of the workspace can assume the role: the STS decision allows a token from an unrelated repository.",
  help: 'Restrict <provider>:sub with StringLike to "{repository-uuid}:*", or "{repository-uuid}:{environment-uuid}:*" for one deployment environment.',
  async check(ctx, report) {
    for (const t of ctx.trusts) {
      const probe = await ctx.probeUnrelated(t);
      if (!probe) continue;
      const s = t.statements.find((x) => x.index === probe.statement) ?? t.statements[0];
      const url = s ? urlOf(s) : "<provider>";
      const from = probe.sourceIp ? ` calling from ${probe.sourceIp}` : "";
      report({
        file: t.file,
        position: s ? positionIn(t, [...s.path, "Condition"]) : t.position,
        message: `${t.label}: any repository of the workspace can assume this role. A token from an unrelated repository (sub "${probe.sub}", aud "${probe.audience}")${from} is allowed by statement ${probe.statement}.`,
        fix: `Add "StringLike": {"${url}:sub": "{REPOSITORY-UUID}:*"} (or "{REPOSITORY-UUID}:{ENVIRONMENT-UUID}:*" for one deployment environment) to statement ${probe.statement}.`,
      });
    }
  },
};
