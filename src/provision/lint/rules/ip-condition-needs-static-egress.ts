import { STATIC_EGRESS_SIZES } from "../../../bitbucket/pipelines.js";
import { stepSignals } from "../step-signals.js";
import type { LintRule } from "../types.js";
import { conditionPosition, quoteList } from "./helpers.js";
import { sourceIpAllowLists } from "./ip-conditions.js";

/**
 * Since 2024 a step egresses from Atlassian's published ranges only with
 * `runtime: cloud: atlassian-ip-ranges: true` on a 4x/8x step (docs/aws-behaviour.md, "Egress addresses"); any other step
 * calls STS from broad cloud ranges, and an `aws:SourceIp` allow list refuses it.
 */
export const ipConditionNeedsStaticEgress: LintRule = {
  id: "ip-condition-needs-static-egress",
  severity: "warning",
  description:
    "An aws:SourceIp condition only admits steps that egress from Atlassian's fixed ranges (runtime: cloud: atlassian-ip-ranges: true on 4x/8x steps).",
  help: "Give every step that assumes the role `size: 4x` (or 8x) and `runtime: cloud: atlassian-ip-ranges: true`, or drop the aws:SourceIp condition and rely on sub.",
  check(ctx, report) {
    const lists = sourceIpAllowLists(ctx.trusts);
    if (lists.length === 0) return;
    if (ctx.pipelines.length === 0) {
      for (const { target, statement, condition } of lists) {
        report({
          file: target.file,
          position: conditionPosition(target, condition),
          message: `${target.label}: statement ${statement.index} admits only callers from ${condition.values.length} listed address range(s) (${quoteList(condition.values, 3)}); Bitbucket steps egress from these only with runtime: cloud: atlassian-ip-ranges: true on 4x/8x steps, any other step is refused.`,
          fix: "Set `size: 4x` and `runtime: cloud: atlassian-ip-ranges: true` on every step that assumes this role (lint the bitbucket-pipelines.yml with the template to check), or remove the aws:SourceIp condition.",
        });
      }
      return;
    }
    const roles = [...new Set(lists.map((l) => l.target.label))];
    const first = lists[0]!;
    const where = `${first.target.file}${(() => {
      const p = conditionPosition(first.target, first.condition);
      return p ? `:${p.line}` : "";
    })()}`;
    for (const file of ctx.pipelines) {
      for (const step of file.steps) {
        const signals = stepSignals(step);
        if (!signals.aws && !signals.oidc && !step.oidc) continue;
        const sized = step.size !== undefined && STATIC_EGRESS_SIZES.includes(step.size);
        if (step.atlassianIpRanges && sized) continue;
        const missing = [
          ...(step.atlassianIpRanges ? [] : ["runtime: cloud: atlassian-ip-ranges: true"]),
          ...(sized ? [] : [`size: 4x or 8x (it is ${step.size ?? "1x"})`]),
        ];
        report({
          file: file.source,
          position: step.position,
          message: `step ${step.name ? `"${step.name}" ` : ""}(${step.path}) uses AWS, but ${roles.join(", ")} ${roles.length === 1 ? "admits" : "admit"} only listed source addresses (${where}); without ${missing.join(" and ")} the step egresses from broad cloud ranges and STS refuses it.`,
          fix: `Add ${missing.map((m) => m.replace(/ \(it is .*\)$/, "")).join(" and ")} to this step, or remove the aws:SourceIp condition.`,
        });
      }
    }
  },
};
