/**
 * One code-scanning alert per finding: two findings of one rule on one role stay two results
 * GitHub tells apart, and a finding keeps its identity from one run to the next.
 */
import type { Log } from "sarif";
import { describe, expect, test } from "vitest";
import { toAuditSarif } from "../../src/audit/format/sarif.js";
import type { AuditFinding, AuditReport } from "../../src/audit/types.js";
import { codeScanningProblems } from "./sarif-judge.js";

const ACCOUNT = "210987654321";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy-legacy`;

/** A role whose trust names two providers the account lacks: two findings of one rule. */
function missing(provider: string, statement: number): AuditFinding {
  const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${provider}`;
  return {
    ruleId: "oidc-provider-missing",
    severity: "low",
    account: ACCOUNT,
    role: "deploy-legacy",
    roleArn: ROLE,
    message: `role deploy-legacy: statement ${statement} trusts ${arn}, which does not exist.`,
    condition: `Principal.Federated ${arn}`,
    deciding: { statement },
    fix: "Create the provider in this account, or remove the statement.",
  };
}

function report(findings: AuditFinding[], generatedAt: string): AuditReport {
  return {
    tool: { name: "bb-oidc", version: "test" },
    generatedAt,
    scope: `account ${ACCOUNT}`,
    accounts: [{ account: ACCOUNT, status: "audited", roles: 1, oidcRoles: 1, providers: [] }],
    roles: [],
    findings,
    summary: {
      accounts: 1,
      audited: 1,
      unreachable: 0,
      skipped: 0,
      roles: 1,
      oidcRoles: 1,
      findings: { critical: 0, high: 0, medium: 0, low: findings.length, info: 0 },
    },
  };
}

const identities = (log: Log) =>
  (log.runs[0]!.results ?? []).map((r) => r.partialFingerprints?.primaryLocationLineHash);

describe("SARIF result identity", () => {
  test("two findings of one rule on one role are two alerts, the same in the next run", () => {
    const first = [missing("gitlab.example.com", 0), missing("ci.example.net/oidc", 1)];
    const today = toAuditSarif(report(first, "2026-12-07T00:00:00.000Z"), "https://x") as Log;
    expect(codeScanningProblems(today)).toEqual([]);
    expect(new Set(identities(today)).size).toBe(2);
    // The next day's audit, findings in another order: each keeps its identity.
    const next = [...first].reverse();
    const tomorrow = toAuditSarif(report(next, "2026-12-08T00:00:00.000Z"), "https://x") as Log;
    expect(identities(tomorrow)).toEqual([...identities(today)].reverse());
  });
});
