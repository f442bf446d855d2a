/**
 * The audit: which accounts (the caller's, a list, or an organization's), each entered and read
 * with bounded concurrency, decided by the engine, compared with bb-oidc.yaml, and reduced to
 * findings as it goes: an account's raw IAM data is dropped once its findings are made, so memory
 * holds the findings, not the accounts. An account that cannot be entered or read is a result
 * (`unreachable`), never skipped in silence.
 */
import { GetRoleCommand, type IAMClient } from "@aws-sdk/client-iam";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { STSClient } from "@aws-sdk/client-sts";
import type { BbOidcConfig } from "../provision/config/index.js";
import { decideAccount } from "./decide/account.js";
import { driftFindings } from "./drift.js";
import { describeAwsError, enterAccount, type SessionCredentials } from "./read/enter.js";
import { readAccount } from "./read/iam-reader.js";
import { listOrganization, type OrganizationAccount } from "./read/organization.js";
import { policyDocument } from "./read/policy-text.js";
import { mapPool } from "./read/pool.js";
import { severityRank } from "./severity.js";
import {
  type AccountResult,
  type AuditedRole,
  type AuditFinding,
  type AuditReport,
  SEVERITIES,
} from "./types.js";

export interface AuditAccess {
  /** The account the credentials belong to (sts:GetCallerIdentity). */
  callerAccount: string;
  partition: string;
  sts: STSClient;
  organizations?: OrganizationsClient;
  /** An IAM client for the caller's own credentials (none given) or a session's. */
  iamFor(credentials?: SessionCredentials): IAMClient;
}

export type AuditProgress =
  | { type: "start"; total: number; scope: string }
  | { type: "roles"; account: string; read: number }
  | { type: "account"; result: AccountResult; findings: number; done: number; total: number };

export interface AuditOptions {
  accounts?: readonly string[];
  organization?: boolean;
  ous?: readonly string[];
  assumeRoleName?: string;
  externalId?: string;
  sessionName?: string;
  /** Accounts audited at once. */
  concurrency?: number;
  config?: BbOidcConfig;
  egressRanges?: readonly string[];
  unusedDays?: number;
  /** Epoch seconds (the clock synthetic tokens and RoleLastUsed ages are measured at). */
  now: number;
  version: string;
  /** Read with ListRoles and per-role calls even where GetAccountAuthorizationDetails works. */
  listOnly?: boolean;
  onProgress?(event: AuditProgress): void;
}

interface Target {
  account: string;
  name?: string;
  ous?: string[];
  ouNames?: string[];
  skip?: string;
}

async function targets(
  access: AuditAccess,
  o: AuditOptions,
): Promise<{ scope: string; list: Target[] }> {
  if (o.organization) {
    const org = await listOrganization(access.organizations!, {
      ...(o.ous ? { ous: o.ous } : {}),
      callerAccount: access.callerAccount,
    });
    const scope = `organization ${org.id}${o.ous?.length ? ` (${o.ous.join(", ")})` : ""}`;
    return {
      scope,
      list: org.accounts.map((a: OrganizationAccount) => ({
        account: a.id,
        ...(a.name ? { name: a.name } : {}),
        ...(a.ous ? { ous: a.ous } : {}),
        ...(a.ouNames ? { ouNames: a.ouNames } : {}),
        ...(a.status === "ACTIVE"
          ? {}
          : { skip: `the account is ${a.status} in the organization and cannot be entered` }),
      })),
    };
  }
  if (o.accounts && o.accounts.length > 0) {
    const unique = [...new Set(o.accounts)];
    return { scope: `accounts ${unique.join(", ")}`, list: unique.map((account) => ({ account })) };
  }
  return { scope: `account ${access.callerAccount}`, list: [{ account: access.callerAccount }] };
}

function emptyResult(t: Target, status: AccountResult["status"], error?: string): AccountResult {
  return {
    account: t.account,
    ...(t.name ? { name: t.name } : {}),
    ...(t.ouNames?.length ? { ou: t.ouNames.join(" / ") } : {}),
    status,
    ...(error ? { error } : {}),
    roles: 0,
    oidcRoles: 0,
    providers: [],
  };
}

async function auditAccount(
  access: AuditAccess,
  o: AuditOptions,
  t: Target,
): Promise<{ result: AccountResult; roles: AuditedRole[]; findings: AuditFinding[] }> {
  if (t.skip) return { result: emptyResult(t, "skipped", t.skip), roles: [], findings: [] };
  const entered = await enterAccount(t.account, {
    sts: access.sts,
    callerAccount: access.callerAccount,
    partition: access.partition,
    sessionName: o.sessionName ?? "bb-oidc-audit",
    ...(o.assumeRoleName ? { assumeRoleName: o.assumeRoleName } : {}),
    ...(o.externalId ? { externalId: o.externalId } : {}),
  });
  if (!entered.ok)
    return { result: emptyResult(t, "unreachable", entered.error), roles: [], findings: [] };
  const iam = access.iamFor(entered.credentials);
  try {
    let read: Awaited<ReturnType<typeof readAccount>>;
    let seen = 0;
    try {
      read = await readAccount(t.account, iam, {
        ...(o.listOnly ? { listOnly: true } : {}),
        onRoles: (n) => {
          seen += n;
          o.onProgress?.({ type: "roles", account: t.account, read: seen });
        },
      });
    } catch (err) {
      const result = emptyResult(t, "unreachable", `reading IAM failed: ${describeAwsError(err)}`);
      return { result: { ...result, via: entered.via }, roles: [], findings: [] };
    }
    const decided = await decideAccount({
      account: t.account,
      roles: read.roles,
      providers: read.providers,
      now: o.now,
      unusedDays: o.unusedDays ?? 90,
      ...(o.egressRanges ? { egressRanges: o.egressRanges } : {}),
    });
    if (o.config) {
      decided.findings.push(
        ...(await driftFindings({
          config: o.config,
          account: t.account,
          ...(o.egressRanges ? { egressRanges: o.egressRanges } : {}),
          ...(o.organization && t.ous ? { ous: t.ous } : {}),
          roles: read.roles,
          roleNames: read.roleNames,
          trustOf: async (RoleName) =>
            policyDocument(
              (
                await iam.send(new GetRoleCommand({ RoleName }))
              ).Role?.AssumeRolePolicyDocument,
            ),
        })),
      );
    }
    return {
      result: {
        ...emptyResult(t, "audited"),
        via: entered.via,
        roles: read.roleNames.length,
        oidcRoles: read.roles.length,
        providers: read.providers,
        readWith: read.readWith,
      },
      roles: decided.roles,
      findings: decided.findings,
    };
  } finally {
    iam.destroy();
  }
}

export function sortFindings(findings: AuditFinding[]): AuditFinding[] {
  return findings.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      a.account.localeCompare(b.account) ||
      (a.role ?? "").localeCompare(b.role ?? "") ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

export async function runAudit(access: AuditAccess, o: AuditOptions): Promise<AuditReport> {
  const { scope, list } = await targets(access, o);
  o.onProgress?.({ type: "start", total: list.length, scope });
  const roles: AuditedRole[] = [];
  const findings: AuditFinding[] = [];
  let done = 0;
  const results = await mapPool(list, o.concurrency ?? 8, async (t) => {
    const r = await auditAccount(access, o, t);
    roles.push(...r.roles);
    findings.push(...r.findings);
    done++;
    o.onProgress?.({
      type: "account",
      result: r.result,
      findings: r.findings.length,
      done,
      total: list.length,
    });
    return r.result;
  });
  const summary = {
    accounts: results.length,
    audited: results.filter((r) => r.status === "audited").length,
    unreachable: results.filter((r) => r.status === "unreachable").length,
    skipped: results.filter((r) => r.status === "skipped").length,
    roles: results.reduce((n, r) => n + r.roles, 0),
    oidcRoles: results.reduce((n, r) => n + r.oidcRoles, 0),
    findings: Object.fromEntries(
      SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length]),
    ) as AuditReport["summary"]["findings"],
  };
  roles.sort((a, b) => a.account.localeCompare(b.account) || a.name.localeCompare(b.name));
  return {
    tool: { name: "bb-oidc", version: o.version },
    generatedAt: new Date(o.now * 1000).toISOString(),
    scope,
    accounts: results,
    roles,
    findings: sortFindings(findings),
    summary,
  };
}
