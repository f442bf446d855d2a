import { GLOBAL_OIDC_ENABLES_STEPS } from "../../../bitbucket/pipelines.js";
import { stepSignals } from "../step-signals.js";
import type { LintRule } from "../types.js";

/**
 * Without `oidc: true` the step's $BITBUCKET_STEP_OIDC_TOKEN is empty (Atlassian KB: the most
 * common failure). A step that calls AWS while passing static keys is not judged here
 * (`static-aws-keys` is); a step calling AWS with no keys in sight is assumed to mean OIDC.
 */
export const oidcFlagMissing: LintRule = {
  id: "oidc-flag-missing",
  severity: "error",
  description:
    "A step uses AWS (aws CLI, bb-oidc, AWS_ROLE_ARN, terraform/cdk/sam/…, AWS pipes with OIDC) but lacks oidc: true.",
  help: "Add `oidc: true` to the step; Bitbucket has no switch that turns tokens on for every step.",
  check(ctx, report) {
    for (const file of ctx.pipelines) {
      if (GLOBAL_OIDC_ENABLES_STEPS && file.globalOidcFlag) continue;
      for (const step of file.steps) {
        if (step.oidc) continue;
        const s = stepSignals(step);
        const evidence = s.oidc ?? (s.staticKeys ? undefined : s.aws);
        if (!evidence) continue;
        const global = file.globalOidcFlag
          ? " (the global options: oidc does not turn tokens on for steps)"
          : "";
        report({
          file: file.source,
          position: step.position,
          message: `step ${step.name ? `"${step.name}" ` : ""}(${step.path}) uses ${evidence.what} (line ${evidence.entry.position.line}) but has no oidc: true${global}, so $BITBUCKET_STEP_OIDC_TOKEN is empty and the exchange with STS fails.`,
          fix: "Add `oidc: true` to this step.",
        });
      }
    }
  },
};
