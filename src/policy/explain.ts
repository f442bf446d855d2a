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
 * For an implicit deny: the Allow statement (for this action) that came closest to applying, the
 * one worth explaining — and, in the audit's report, highlighting.
 */
export function closestAllow(result: EvaluationResult): StatementTrace | undefined {
  const candidates = result.statements.filter((t) => t.effect === "Allow" && t.actionMatched);
  let best = candidates[0];
  for (const c of candidates) if (closeness(c) > closeness(best!)) best = c;
  return best;
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
  const best = closestAllow(result);
  if (!best) return `no statement allows${action}${on}`;
  if (best.reason !== undefined) return `${label(best)}: ${best.reason}`;
  const failed = best.conditions.find((c) => !c.matched);
  if (failed) return `${label(best)}: ${describeCondition(failed)}`;
  return `no statement allows${action}${on}`;
}
