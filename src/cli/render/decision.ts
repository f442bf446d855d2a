import type { ConditionTrace, StatementTrace } from "../../policy/types.js";
import type { AssumeRoleDecision, WebIdentityDecision } from "../../sts/types.js";

/** A decision of either STS action. */
export type StsDecision = WebIdentityDecision | AssumeRoleDecision;

/** What an allowed decision says about the new session, by action. */
function allowedJson(d: StsDecision & { ok: true }): Record<string, unknown> {
  if ("subject" in d) {
    return {
      assumedRoleArn: d.assumedRoleArn,
      subject: d.subject,
      audience: d.audience,
      provider: d.providerArn,
    };
  }
  return {
    assumedRoleArn: d.assumedRoleArn,
    durationSeconds: d.durationSeconds,
    chained: d.chained,
    ...(d.sourceIdentity !== undefined ? { sourceIdentity: d.sourceIdentity } : {}),
    ...(d.packedPolicySize !== undefined ? { packedPolicySize: d.packedPolicySize } : {}),
    ...(d.tags.length > 0 ? { tags: d.tags, transitiveTagKeys: d.transitiveTagKeys } : {}),
  };
}

/** The JSON shape of `explain --json` (documented in the README). */
export function decisionJson(d: StsDecision, unsignedClaims: boolean): Record<string, unknown> {
  return {
    decision: d.ok ? "allow" : "deny",
    error: d.ok
      ? null
      : { code: d.error.code, httpStatus: d.error.httpStatus, message: d.error.message },
    reason: d.reason,
    unsignedClaims,
    ...(d.ok ? allowedJson(d) : {}),
    context: d.context ?? {},
    statements: (d.trace?.statements ?? []).map(statementJson),
  };
}

function statementJson(s: StatementTrace): Record<string, unknown> {
  return {
    index: s.index,
    ...(s.sid !== undefined ? { sid: s.sid } : {}),
    effect: s.effect,
    principalMatched: s.principalMatched,
    actionMatched: s.actionMatched,
    applies: s.applies,
    conditions: s.conditions.map((c) => ({
      operator: c.operator,
      key: c.key,
      policyValues: c.policyValues,
      contextValues: c.contextValues,
      matched: c.matched,
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  };
}

const mark = (ok: boolean) => (ok ? "✓" : "✗");

/** Verdict first, then the one reason, then the whole trace. */
export function decisionText(d: StsDecision, unsignedClaims: boolean): string {
  const lines: string[] = [];
  if (d.ok) {
    lines.push(`ALLOW  ${d.assumedRoleArn}`);
    lines.push(`  why: ${d.reason}`);
  } else {
    lines.push(`DENY   ${d.error.code} (HTTP ${d.error.httpStatus}): ${d.error.message}`);
    lines.push(`  why: ${d.reason}`);
  }
  if (unsignedClaims)
    lines.push(
      "  note: unsigned claims were given (--claims): the token signature was not checked.",
    );
  const ctx = d.context ?? {};
  const keys = Object.keys(ctx);
  if (keys.length > 0) {
    lines.push("", "Request context:");
    for (const k of keys) lines.push(`  ${k} = ${JSON.stringify(ctx[k])}`);
  }
  const statements = d.trace?.statements ?? [];
  if (statements.length > 0) {
    const action = d.trace?.action;
    // AssumeRole is judged for each action it needs (sts:TagSession…): say which this is.
    const which = action && action !== "sts:AssumeRoleWithWebIdentity" ? ` (${action})` : "";
    lines.push("", `Trust policy${which}:`);
    for (const s of statements) {
      const sid = s.sid ? ` "${s.sid}"` : "";
      lines.push(
        `  statement ${s.index}${sid} (${s.effect}): principal ${mark(s.principalMatched)}  action ${mark(s.actionMatched)}  → ${s.applies ? "applies" : "does not apply"}`,
      );
      for (const c of s.conditions) lines.push(`    ${conditionLine(c)}`);
    }
  }
  return lines.join("\n");
}

function conditionLine(c: ConditionTrace): string {
  const got =
    c.contextValues === null
      ? "(absent)"
      : JSON.stringify(c.contextValues.length === 1 ? c.contextValues[0] : c.contextValues);
  const tail = c.reason && !c.matched ? `  — ${c.reason}` : "";
  return `${mark(c.matched)} ${c.operator} ${c.key}: policy ${JSON.stringify(c.policyValues)}, request ${got}${tail}`;
}
