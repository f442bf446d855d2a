/** The `aws:SourceIp` allow lists of trust policies, shared by the two IP rules. */
import type { ConditionView, StatementView, TrustTarget } from "../types.js";
import { baseOperator } from "./helpers.js";

export interface IpCondition {
  target: TrustTarget;
  statement: StatementView;
  condition: ConditionView;
}

/** Conditions that admit only listed addresses: IpAddress in an Allow, NotIpAddress in a Deny. */
export function sourceIpAllowLists(trusts: readonly TrustTarget[]): IpCondition[] {
  const out: IpCondition[] = [];
  for (const target of trusts) {
    for (const statement of target.statements) {
      for (const condition of statement.conditions) {
        if (condition.key.toLowerCase() !== "aws:sourceip") continue;
        const base = baseOperator(condition.operator);
        const restricts =
          (statement.effect === "Allow" && base === "IpAddress") ||
          (statement.effect === "Deny" && base === "NotIpAddress");
        if (restricts) out.push({ target, statement, condition });
      }
    }
  }
  return out;
}
