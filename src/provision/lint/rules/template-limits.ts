import {
  OUTPUTS_PER_STACK,
  RESOURCES_PER_STACK,
  ROLES_PER_ACCOUNT,
  TEMPLATE_BODY_BYTES,
  TEMPLATE_URL_BYTES,
} from "../../plan/limits.js";
import type { LintRule } from "../types.js";

function kb(bytes: number): string {
  return bytes < 10_240
    ? `${bytes.toLocaleString("en-US")} bytes`
    : `${(bytes / 1024).toFixed(1)} KB`;
}

/**
 * Every template against CloudFormation's per-stack limits and IAM's role quota
 * (docs/aws-behaviour.md, "Limits"): what to do when one is exceeded (the counts themselves are
 * in every report, `templateLimitsLine`).
 * A template bb-oidc built from bb-oidc.yaml is split by `deploy --config`, so for it an
 * exceeded stack limit is a warning; for any other template it is an error.
 */
/** `template.yaml: 12.3 KB …` — a template's counts against every limit, for the report. */
export function templateLimitsLine(t: {
  file: string;
  measure: { bytes: number; resources: number; outputs: number };
  roles: number;
}): string {
  const m = t.measure;
  return `${t.file}: ${kb(m.bytes)} (a request takes ${TEMPLATE_BODY_BYTES.toLocaleString("en-US")} bytes, S3 1 MB), ${m.resources} of ${RESOURCES_PER_STACK} resources, ${m.outputs} of ${OUTPUTS_PER_STACK} outputs, ${t.roles} of ${ROLES_PER_ACCOUNT.toLocaleString("en-US")} roles per account`;
}

export const templateLimits: LintRule = {
  id: "template-limits",
  severity: "warning",
  description:
    "A template's size, resources and outputs against CloudFormation's per-stack limits, and its roles against IAM's quota.",
  help: "Templates over 51,200 bytes go through S3 (--s3-bucket); over 1 MB, 500 resources or 200 outputs they must be split into several stacks (bb-oidc deploy --config does it).",
  check(ctx, report) {
    for (const t of ctx.templates) {
      const m = t.measure;
      const stackLimit = t.generated ? "warning" : "error";
      const split = t.generated
        ? "bb-oidc deploy --config splits the roles into several stacks within every limit."
        : "Split the resources into several templates (stacks).";
      if (m.bytes > TEMPLATE_URL_BYTES) {
        report({
          file: t.file,
          severity: stackLimit,
          message: `${t.file} is ${kb(m.bytes)}, over the 1 MB CloudFormation reads from S3: no single stack can hold it.`,
          fix: split,
        });
      } else if (m.bytes > TEMPLATE_BODY_BYTES) {
        report({
          file: t.file,
          severity: "warning",
          message: `${t.file} is ${kb(m.bytes)}, over the ${TEMPLATE_BODY_BYTES.toLocaleString("en-US")} bytes CloudFormation takes in a request: it must be deployed through S3.`,
          fix: t.generated
            ? "bb-oidc deploy --config keeps each stack within the inline limit by itself; or pass --s3-bucket BUCKET for fewer, larger stacks."
            : "Deploy with --s3-bucket BUCKET (bb-oidc deploy or aws cloudformation deploy), which uploads it and passes TemplateURL.",
        });
      }
      if (m.resources > RESOURCES_PER_STACK) {
        report({
          file: t.file,
          severity: stackLimit,
          message: `${t.file} declares ${m.resources} resources; a stack holds at most ${RESOURCES_PER_STACK}.`,
          fix: split,
        });
      }
      if (m.outputs > OUTPUTS_PER_STACK) {
        report({
          file: t.file,
          severity: stackLimit,
          message: `${t.file} declares ${m.outputs} outputs; a stack has at most ${OUTPUTS_PER_STACK}.`,
          fix: split,
        });
      }
      if (t.roles > ROLES_PER_ACCOUNT) {
        report({
          file: t.file,
          severity: "error",
          message: `${t.file} creates ${t.roles} roles in one account; IAM allows ${ROLES_PER_ACCOUNT.toLocaleString("en-US")} per account by default.`,
          fix: "Spread the roles over accounts, merge roles that trust the same repositories, or ask for more in Service Quotas (IAM: Roles per account).",
        });
      }
    }
  },
};
