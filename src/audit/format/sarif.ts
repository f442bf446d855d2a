/**
 * SARIF 2.1.0 for code-scanning services. Findings are about live resources, not files: each
 * result's location is the role's (or account's) ARN, as an artifact URI and a logical location,
 * and carries a fingerprint of rule and resource so a scanner tracks it from one run to the next.
 */
import { createHash } from "node:crypto";
import { SARIF_SCHEMA, SARIF_VERSION, sarifRuleDescriptor } from "../../provision/lint/index.js";
import { AUDIT_RULES } from "../rules.js";
import type { AuditFinding, AuditReport, AuditSeverity } from "../types.js";

const LEVEL: Record<AuditSeverity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/**
 * A 0–10 score per result, for readers that take one. GitHub code scanning reads
 * `security-severity` on rules only, and a rule's severity here depends on the role (reach ×
 * blast radius), so GitHub shows the result's `level` instead (docs/decisions.md).
 */
const SCORE: Record<AuditSeverity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "1.0",
};

function resource(f: AuditFinding): string {
  return f.roleArn ?? `arn:aws:iam::${f.account}:root`;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * A finding's identity from one run to the next. GitHub code scanning reads only
 * `primaryLocationLineHash` (it would otherwise hash a line of the located file, which an ARN is
 * not) and makes one alert of results sharing it, so it also carries what tells two findings of
 * one rule on one role apart: the condition and statement (docs/decisions.md, "SARIF for code
 * scanning"). `bbOidcAudit/v1` stays rule and resource, as before.
 */
function fingerprints(f: AuditFinding): Record<string, string> {
  const where = `${f.ruleId}\n${resource(f)}`;
  return {
    primaryLocationLineHash: sha256(
      `${where}\n${f.condition ?? ""}\n${f.deciding?.statement ?? ""}`,
    ),
    "bbOidcAudit/v1": sha256(where),
  };
}

export function toAuditSarif(r: AuditReport, informationUri: string): object {
  const index = new Map(AUDIT_RULES.map((x, i) => [x.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: "bb-oidc audit",
            version: r.tool.version,
            informationUri,
            rules: AUDIT_RULES.map(sarifRuleDescriptor),
          },
        },
        results: r.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId) ?? -1,
          level: LEVEL[f.severity],
          message: {
            text: [
              f.message,
              f.who ? `Who can assume it: ${f.who}.` : "",
              f.condition ? `Condition: ${f.condition}.` : "",
              `Fix: ${f.fix}`,
            ]
              .filter(Boolean)
              .join("\n"),
          },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: resource(f) } },
              logicalLocations: [{ fullyQualifiedName: resource(f), kind: "resource" }],
            },
          ],
          partialFingerprints: fingerprints(f),
          properties: {
            severity: f.severity,
            "security-severity": SCORE[f.severity],
            account: f.account,
            ...(f.blastRadius ? { blastRadius: f.blastRadius } : {}),
          },
        })),
        invocations: [
          {
            executionSuccessful: r.summary.unreachable + r.summary.skipped === 0,
            toolExecutionNotifications: r.accounts
              .filter((a) => a.status !== "audited")
              .map((a) => ({
                level: "error",
                message: { text: `account ${a.account} not audited: ${a.error ?? a.status}` },
              })),
          },
        ],
      },
    ],
  };
}

export function formatAuditSarif(r: AuditReport, informationUri: string): string {
  return `${JSON.stringify(toAuditSarif(r, informationUri), null, 2)}\n`;
}
