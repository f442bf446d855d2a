/** The library door: a case decided in-process, and its comparison with the expectation. */
import { StaticJwks } from "../../src/oidc/index.js";
import type { StatementTrace } from "../../src/policy/index.js";
import { decideWebIdentity, staticWorld, type WebIdentityDecision } from "../../src/sts/index.js";
import {
  buildToken,
  type CaseKeys,
  type ConditionRef,
  type DecisionCase,
  providerOf,
  requestOf,
  roleOf,
} from "./case-kit.js";

/** Decides one case in-process (also used by the CLI runner to compare doors). */
export async function decideCase(c: DecisionCase, keys: CaseKeys): Promise<WebIdentityDecision> {
  const world = staticWorld({
    providers: [providerOf(c)],
    roles: [roleOf(c)],
    keys: new StaticJwks(keys.jwks),
  });
  const built = await buildToken(c, keys.signing);
  const req = requestOf(c);
  return built.kind === "claims"
    ? decideWebIdentity({ ...req, webIdentityToken: "", unsignedClaims: built.claims }, world)
    : decideWebIdentity({ ...req, webIdentityToken: built.token }, world);
}

function conditionOf(d: WebIdentityDecision, ref: ConditionRef) {
  const st: StatementTrace | undefined = d.trace?.statements[ref.statement];
  return st?.conditions.find((c) => c.operator === ref.operator && c.key === ref.key);
}

/** Every way the decision differs from the case's expectation (empty: it agrees). */
export function mismatches(c: DecisionCase, d: WebIdentityDecision): string[] {
  const e = c.expect;
  const out: string[] = [];
  const check = (what: string, actual: unknown, expected: unknown) => {
    if (expected !== undefined && actual !== expected) {
      out.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  };
  check("decision", d.ok ? "allow" : "deny", e.decision);
  if (!d.ok) {
    check("code", d.error.code, e.code);
    check("httpStatus", d.error.httpStatus, e.httpStatus);
    check("message", d.error.message, e.message);
    if (e.messageContains && !d.error.message.includes(e.messageContains)) {
      out.push(
        `message: expected to contain ${JSON.stringify(e.messageContains)}, got ${JSON.stringify(d.error.message)}`,
      );
    }
  } else {
    check("audience", d.audience, e.audience);
    check("subject", d.subject, e.subject);
    check("assumedRoleArn", d.assumedRoleArn, e.assumedRoleArn);
    check("durationSeconds", d.durationSeconds, e.durationSeconds);
  }
  const needsTrace = e.policyDecision || e.failing || e.matching || e.statements;
  if (needsTrace && !d.trace) {
    out.push(`no trace (reason: ${d.reason})`);
    return out;
  }
  if (e.policyDecision) check("policyDecision", d.trace!.decision, e.policyDecision);
  for (const [ref, matched] of [
    ...(e.failing ? [[e.failing, false] as const] : []),
    ...(e.matching ?? []).map((m) => [m, true] as const),
  ]) {
    const cond = conditionOf(d, ref);
    if (!cond) out.push(`no condition ${ref.operator} ${ref.key} in statement ${ref.statement}`);
    else
      check(`statement ${ref.statement} ${ref.operator} ${ref.key} matched`, cond.matched, matched);
  }
  for (const s of e.statements ?? []) {
    const st = d.trace!.statements[s.index];
    if (!st) {
      out.push(`no statement ${s.index} in the trace`);
      continue;
    }
    check(`statement ${s.index} principalMatched`, st.principalMatched, s.principalMatched);
    check(`statement ${s.index} actionMatched`, st.actionMatched, s.actionMatched);
    check(`statement ${s.index} applies`, st.applies, s.applies);
  }
  return out;
}
