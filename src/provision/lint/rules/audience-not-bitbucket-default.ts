import { parseDefaultAudience } from "../../../bitbucket/index.js";
import type { LintRule } from "../types.js";
import { conditionPosition, isNegated, isPlaceholder, providerClaim } from "./helpers.js";

/**
 * A custom audience works only if the steps ask for it (`oidc: audiences:`); otherwise tokens
 * carry the default and STS answers "Incorrect token audience". With a pipelines file linted
 * alongside, an audience no step asks for is a warning; otherwise a note to check.
 */
export const audienceNotBitbucketDefault: LintRule = {
  id: "audience-not-bitbucket-default",
  severity: "note",
  description:
    "An audience is not Bitbucket's default (ari:cloud:bitbucket::workspace/<uuid>); steps must ask for it with oidc: audiences.",
  help: "Either use the workspace's default audience, or list the custom audience under `oidc: audiences:` (globally in options, or on each step).",
  check(ctx, report) {
    const requested = new Set<string>();
    for (const f of ctx.pipelines) {
      for (const a of f.globalAudiences) requested.add(a);
      for (const s of f.steps) for (const a of s.audiences) requested.add(a);
    }
    const judge = (aud: string): { severity: "note" | "warning"; why: string } | undefined => {
      if (
        isPlaceholder(aud) ||
        parseDefaultAudience(aud) !== null ||
        aud.startsWith("ari:cloud:bitbucket::workspace/")
      )
        return undefined;
      if (ctx.pipelines.length === 0) {
        return {
          severity: "note",
          why: "steps must ask for it with `oidc: audiences:`, or their tokens carry the default audience",
        };
      }
      if (requested.has(aud)) return undefined;
      return {
        severity: "warning",
        why: `no step of ${ctx.pipelines.map((p) => p.source).join(", ")} asks for it (oidc: audiences:), so tokens carry the default audience and STS answers "Incorrect token audience"`,
      };
    };
    for (const p of ctx.providers) {
      p.clientIds.forEach((id, i) => {
        const j = judge(id);
        if (!j) return;
        report({
          file: p.file,
          position: p.locate("ClientIdList", i) ?? p.position,
          severity: j.severity,
          message: `provider ${p.logicalId}: client ID "${id}" is a custom audience; ${j.why}.`,
          fix: `Add "${id}" under \`options: oidc: audiences:\` in bitbucket-pipelines.yml, or use ari:cloud:bitbucket::workspace/<workspace-uuid>.`,
        });
      });
    }
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        for (const c of s.conditions) {
          if (providerClaim(c.key) !== "aud" || isNegated(c.operator)) continue;
          for (const v of c.values) {
            const j = judge(v);
            if (!j) continue;
            report({
              file: t.file,
              position: conditionPosition(t, c),
              severity: j.severity,
              message: `${t.label}: statement ${s.index} expects the custom audience "${v}"; ${j.why}.`,
              fix: `Add "${v}" under \`options: oidc: audiences:\` in bitbucket-pipelines.yml, or expect ari:cloud:bitbucket::workspace/<workspace-uuid>.`,
            });
          }
        }
      }
    }
  },
};
