import { stepSignals } from "../step-signals.js";
import type { LintRule } from "../types.js";

/** Long-lived keys are what OIDC replaces: they leak into logs and need rotating. */
export const staticAwsKeys: LintRule = {
  id: "static-aws-keys",
  severity: "warning",
  description: "A step passes static AWS keys (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).",
  help: "Use OIDC: `oidc: true`, a role that trusts the workspace's provider, and bb-oidc configure (or AWS_OIDC_ROLE_ARN for Atlassian's AWS pipes).",
  check(ctx, report) {
    for (const file of ctx.pipelines) {
      for (const step of file.steps) {
        const s = stepSignals(step);
        if (!s.staticKeys) continue;
        report({
          file: file.source,
          position: s.staticKeys.entry.position,
          message: `step ${step.name ? `"${step.name}" ` : ""}(${step.path}) uses static keys (${s.staticKeys.what}); long-lived keys leak into logs and must be rotated by hand.`,
          fix: "Set `oidc: true` and assume a role with web identity instead (for Atlassian's AWS pipes: AWS_OIDC_ROLE_ARN instead of AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).",
        });
      }
    }
  },
};
