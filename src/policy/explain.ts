/** The one plain-words reason for a decision, for error messages and `explain`. */
import type { ConditionTrace, EvaluationResult, StatementTrace } from "./types.js";

/** `condition StringLike on <key> wanted "{repo-a}:*", the request has "{repo-b}:{step}"`. */
export function describeCondition(c: ConditionTrace): string {
  const what = c.reason ?? (c.matched ? "matched" : "did not match");
  return `condition ${c.operator} on ${c.key} ${what}`;
}

function label(s: StatementTrace): string {
  return `statement ${s.index}`;
}

function sidNote(s: StatementTrace): string {
  return s.sid ? ` (Sid "${s.sid}")` : "";
}

/** How close an Allow statement came to applying, to pick the one worth explaining. */
function closeness(s: StatementTrace): number {
  let score = (s.principalMatched ? 4 : 0) + (s.resourceMatched ? 2 : 0);
  if (s.conditions.length > 0) {
    score += s.conditions.filter((c) => c.matched).length / s.conditions.length;
  } else {
    score += 1;
  }
  return score;
}

/**
 * Why the request was denied, in one sentence:
 * - `statement 1 explicitly denies sts:AssumeRoleWithWebIdentity`
 * - `statement 0: condition StringLike on …:sub wanted "{repo-a}:*", the request has "{repo-b}:{step}"`
 * - `no statement allows sts:AssumeRoleWithWebIdentity`
 * For an allowed request: `statement 0 allows …`.
 */
export function firstFailure(result: EvaluationResult): string {
  const action = result.action ? ` ${result.action}` : " the request";
  const on = result.resource ? ` on ${result.resource}` : "";
  if (result.decision === "explicitDeny") {
    const s = result.statements.find((t) => t.applies && t.effect === "Deny")!;
    return `${label(s)} explicitly denies${action}${on}${sidNote(s)}`;
  }
  if (result.decision === "allow") {
    const s = result.statements.find((t) => t.applies && t.effect === "Allow")!;
    return `${label(s)} allows${action}${on}${sidNote(s)}`;
  }
  // Implicit deny: explain the Allow statement that came closest, among those for this action.
  const candidates = result.statements.filter((t) => t.effect === "Allow" && t.actionMatched);
  if (candidates.length === 0) return `no statement allows${action}${on}`;
  let best = candidates[0]!;
  for (const c of candidates) if (closeness(c) > closeness(best)) best = c;
  if (best.reason !== undefined) return `${label(best)}: ${best.reason}`;
  const failed = best.conditions.find((c) => !c.matched);
  if (failed) return `${label(best)}: ${describeCondition(failed)}`;
  return `no statement allows${action}${on}`;
}
