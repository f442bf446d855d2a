import type { LintRule } from "../types.js";
import { conditionPosition, providerClaim } from "./helpers.js";

const BRACED_DEFAULT = /^ari:cloud:bitbucket::workspace\/\{([0-9a-fA-F-]{36})\}$/;

/** The default audience carries the workspace UUID without braces, unlike every other claim. */
export const audienceUuidWithBraces: LintRule = {
  id: "audience-uuid-with-braces",
  severity: "error",
  description:
    "An audience is written ari:cloud:bitbucket::workspace/{uuid}; Bitbucket's default audience has the UUID without braces.",
  help: "Write ari:cloud:bitbucket::workspace/<uuid> with no braces (in ClientIdList and in the :aud condition).",
  check(ctx, report) {
    for (const p of ctx.providers) {
      p.clientIds.forEach((id, i) => {
        const m = BRACED_DEFAULT.exec(id);
        if (!m) return;
        report({
          file: p.file,
          position: p.locate("ClientIdList", i) ?? p.position,
          message: `provider ${p.logicalId}: client ID "${id}" has braces around the workspace UUID; tokens carry "ari:cloud:bitbucket::workspace/${m[1]}", so STS answers "Incorrect token audience".`,
          fix: `Write "ari:cloud:bitbucket::workspace/${m[1]}".`,
        });
      });
    }
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        for (const c of s.conditions) {
          if (providerClaim(c.key) !== "aud") continue;
          for (const v of c.values) {
            const m = BRACED_DEFAULT.exec(v);
            if (!m) continue;
            report({
              file: t.file,
              position: conditionPosition(t, c),
              message: `${t.label}: statement ${s.index} expects ${c.key} "${v}", with braces around the workspace UUID; the token's audience has none, so the condition never matches.`,
              fix: `Write "ari:cloud:bitbucket::workspace/${m[1]}".`,
            });
          }
        }
      }
    }
  },
};
