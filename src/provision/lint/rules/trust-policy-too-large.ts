import { policySize } from "../../../policy/index.js";
import type { LintRule } from "../types.js";

/** IAM counts the document without whitespace against quota L-C07B4B0D (2,048 by default). */
export const trustPolicyTooLarge: LintRule = {
  id: "trust-policy-too-large",
  severity: "error",
  description:
    "The trust policy is longer than the role trust policy quota (2,048 characters unless raised).",
  help: "Split the role so each trusts fewer repositories, or raise quota L-C07B4B0D (up to 8,192) and pass --trust-policy-quota.",
  check(ctx, report) {
    const quota = ctx.options.trustPolicyQuota;
    for (const t of ctx.trusts) {
      if (t.document === undefined) continue;
      const size = t.compiled?.size ?? policySize(t.document);
      if (size <= quota) continue;
      const estimate =
        t.placeholders.length > 0
          ? ` (measured with placeholders for ${t.placeholders.join(", ")}; pass --parameter for the exact size)`
          : "";
      report({
        file: t.file,
        position: t.position,
        message: `${t.label}: the trust policy is ${size} characters without whitespace, over the quota of ${quota}${estimate}; CloudFormation's CreateRole fails with LimitExceeded.`,
        fix: `Split the role into roles that each trust fewer repositories${quota < 8192 ? ", or raise quota L-C07B4B0D (Role trust policy length) up to 8,192 and lint with --trust-policy-quota" : ""}.`,
      });
    }
  },
};
