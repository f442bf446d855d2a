/**
 * Drift against bb-oidc.yaml, per account: roles the config describes for the account that do
 * not exist, roles that trust the config's workspace but that the config does not describe, and
 * trust policies that differ from what `bb-oidc template` generates (with the diff). A role the
 * config targets by OU is expected only where the account's OU path is known (--organization).
 */
import { issuerFor, providerHostPath } from "../bitbucket/index.js";
import type { BbOidcConfig } from "../provision/config/index.js";
import {
  parseProviderArn,
  statementViews,
  webIdentityAllows,
} from "../provision/trust/statements.js";
import { fromConfig } from "../provision/who-can/index.js";
import { canonicalPolicy, lineDiff } from "./diff.js";
import type { AuditFinding, LiveRole } from "./types.js";

export interface DriftInput {
  config: BbOidcConfig;
  egressRanges?: readonly string[];
  account: string;
  /** The account's OU path (IDs from the root), when known. */
  ous?: readonly string[];
  /** The account's roles that trust OIDC, as read. */
  roles: readonly LiveRole[];
  roleNames: readonly string[];
  /** Reads the trust policy of a role that trusts no OIDC provider (rare: one call each). */
  trustOf(name: string): Promise<unknown>;
}

function trustsWorkspace(doc: unknown, hostPath: string): boolean {
  const lower = hostPath.toLowerCase();
  return webIdentityAllows(statementViews(doc)).some((s) =>
    s.federated.some((f) => parseProviderArn(f)?.url.toLowerCase() === lower),
  );
}

export async function driftFindings(d: DriftInput): Promise<AuditFinding[]> {
  const { config, account } = d;
  const hostPath = providerHostPath(issuerFor(config.workspace.slug, config.workspace.apiBase));
  const ouKnown = d.ous !== undefined;
  const inOu = (ous: readonly string[] | undefined) =>
    !!ous && !!d.ous && ous.some((o) => d.ous!.includes(o));
  const described = config.roles.filter((r) =>
    r.accounts ? r.accounts.includes(account) : inOu(r.organizationalUnits),
  );
  // OU roles whose membership is unknown are compared when they exist, never reported missing.
  const maybe = ouKnown ? [] : config.roles.filter((r) => !r.accounts);
  const names = new Set([...described, ...maybe].map((r) => r.name));
  const expected =
    names.size === 0
      ? []
      : fromConfig(
          { ...config, roles: config.roles.filter((r) => names.has(r.name)) },
          { accounts: [account], ...(d.egressRanges ? { egressRanges: d.egressRanges } : {}) },
        ).roles;
  const live = new Map(d.roles.map((r) => [r.name, r]));
  const existing = new Set(d.roleNames);
  const findings: AuditFinding[] = [];
  const describedNames = new Set(described.map((r) => r.name));

  for (const want of expected) {
    if (!existing.has(want.name)) {
      if (!describedNames.has(want.name)) continue;
      findings.push({
        ruleId: "drift-missing-role",
        severity: "medium",
        account,
        role: want.name,
        roleArn: want.roleArn,
        message: `role ${want.name} is described in bb-oidc.yaml for account ${account} but does not exist there.`,
        fix: "Deploy the template (bb-oidc deploy --config bb-oidc.yaml …), or remove the role from bb-oidc.yaml.",
      });
      continue;
    }
    const actual = live.get(want.name)?.trustPolicy ?? (await d.trustOf(want.name));
    const a = canonicalPolicy(want.trustPolicy);
    const b = canonicalPolicy(actual);
    if (a === b) continue;
    findings.push({
      ruleId: "drift-trust-policy",
      severity: "medium",
      account,
      role: want.name,
      roleArn: live.get(want.name)?.arn ?? want.roleArn,
      message: `the trust policy of role ${want.name} differs from the one bb-oidc template generates from bb-oidc.yaml (- generated, + in the account).`,
      diff: lineDiff(a, b),
      fix: "Redeploy from bb-oidc.yaml (bb-oidc deploy), or put the change into bb-oidc.yaml so the next deploy keeps it.",
    });
  }
  for (const r of d.roles) {
    if (names.has(r.name) || !trustsWorkspace(r.trustPolicy, hostPath)) continue;
    findings.push({
      ruleId: "drift-undescribed-role",
      severity: "medium",
      account,
      role: r.name,
      roleArn: r.arn,
      message: `role ${r.name} trusts workspace ${config.workspace.slug}'s provider, but bb-oidc.yaml does not describe it for account ${account}.`,
      fix: "Describe it in bb-oidc.yaml (so template, lint and who-can see it), or delete it if no pipeline uses it.",
    });
  }
  return findings;
}
