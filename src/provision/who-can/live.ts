/**
 * who-can against live accounts (`who-can --live`): each account's OIDC providers and the roles
 * that trust one, read through IAM with the audit's reader, the caller's own account with its
 * credentials and any other through sts:AssumeRole. Only providers the account has exist: a role
 * naming one it lacks is refused, as STS would.
 */
import type { IAMClient } from "@aws-sdk/client-iam";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { STSClient } from "@aws-sdk/client-sts";
import { describeAwsError, enterAccount, type SessionCredentials } from "../../audit/read/enter.js";
import { readAccount } from "../../audit/read/iam-reader.js";
import { listOrganization } from "../../audit/read/organization.js";
import { mapPool } from "../../audit/read/pool.js";
import type { RolesAndProviders } from "./from-template.js";

export interface LiveAccess {
  /** The account the credentials belong to. */
  callerAccount: string;
  partition: string;
  sts: STSClient;
  organizations?: OrganizationsClient;
  iamFor(credentials?: SessionCredentials): IAMClient;
}

export interface LiveOptions {
  accounts: readonly string[];
  /** The role entered in every account but the caller's. */
  assumeRoleName?: string;
  externalId?: string;
  sessionName?: string;
  /** Accounts read at once. */
  concurrency?: number;
}

export interface LiveRead extends RolesAndProviders {
  /** Accounts that could not be entered or read, and why. */
  unreachable: { account: string; error: string }[];
}

export async function readLive(access: LiveAccess, o: LiveOptions): Promise<LiveRead> {
  const accounts = [...new Set(o.accounts)];
  const reads = await mapPool(accounts, o.concurrency ?? 4, async (account) => {
    const entered = await enterAccount(account, {
      sts: access.sts,
      callerAccount: access.callerAccount,
      partition: access.partition,
      sessionName: o.sessionName ?? "bb-oidc-who-can",
      ...(o.assumeRoleName ? { assumeRoleName: o.assumeRoleName } : {}),
      ...(o.externalId ? { externalId: o.externalId } : {}),
    });
    if (!entered.ok) return { account, error: entered.error };
    const iam = access.iamFor(entered.credentials);
    try {
      return { account, read: await readAccount(account, iam) };
    } catch (err) {
      return { account, error: `reading IAM failed: ${describeAwsError(err)}` };
    } finally {
      iam.destroy();
    }
  });
  const out: LiveRead = { roles: [], providers: [], placeholders: [], unreachable: [] };
  for (const r of reads) {
    if ("error" in r) {
      out.unreachable.push({ account: r.account, error: r.error! });
      continue;
    }
    for (const p of r.read.providers)
      out.providers.push({ account: r.account, url: p.url, clientIds: p.clientIds });
    for (const role of [...r.read.roles].sort((a, b) => a.name.localeCompare(b.name))) {
      out.roles.push({
        name: role.name,
        account: r.account,
        roleArn: role.arn,
        trustPolicy: role.trustPolicy,
        maxSessionDuration: role.maxSessionDuration,
      });
    }
  }
  return out;
}

/**
 * The accounts a service-managed StackSet targeting each OU reaches: the OU's accounts and its
 * nested OUs', active ones only, never the management account (StackSets never deploy there;
 * docs/aws-behaviour.md, "CloudFormation").
 */
export async function ouMembers(
  organizations: OrganizationsClient,
  ous: readonly string[],
  callerAccount: string,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const ou of new Set(ous)) {
    const listing = await listOrganization(organizations, { ous: [ou], callerAccount });
    out.set(
      ou,
      listing.accounts
        .filter((a) => a.status === "ACTIVE" && a.id !== listing.managementAccount)
        .map((a) => a.id)
        .sort(),
    );
  }
  return out;
}
