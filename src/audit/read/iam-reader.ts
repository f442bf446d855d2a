/**
 * Reads what the audit needs from one account's IAM: its OIDC providers, and every role that
 * trusts a federated OIDC principal with its permissions and RoleLastUsed. One paginated
 * GetAccountAuthorizationDetails (roles and customer managed policies) answers all of that in
 * ceil(roles/1000) calls; where it is refused (an endpoint without it, a policy without
 * iam:GetAccountAuthorizationDetails) the roles are listed and read one by one:
 * ListRoles, then per OIDC role GetRole, ListAttachedRolePolicies, ListRolePolicies,
 * GetRolePolicy, and GetPolicy + GetPolicyVersion for customer managed policies.
 */
import {
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListOpenIDConnectProvidersCommand,
  paginateGetAccountAuthorizationDetails,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  paginateListRoles,
  type RoleDetail,
} from "@aws-sdk/client-iam";
import { trustsOidc } from "../decide/account.js";
import type { LiveRole, ProviderInfo } from "../types.js";
import { isoDate, policyDocument } from "./policy-text.js";
import { mapPool } from "./pool.js";

export interface AccountRead {
  providers: ProviderInfo[];
  /** Roles that trust a federated OIDC principal. */
  roles: LiveRole[];
  /** Every role name of the account (drift needs the ones that trust nothing OIDC too). */
  roleNames: string[];
  readWith: "GetAccountAuthorizationDetails" | "ListRoles";
}

export interface ReadOptions {
  /** Reads of one account's roles in flight at once (the listing path). */
  roleConcurrency?: number;
  /** Skip GetAccountAuthorizationDetails (measuring the listing path; endpoints known to lack it). */
  listOnly?: boolean;
  onRoles?: (count: number) => void;
}

function errorName(err: unknown): string {
  return (err as { name?: string }).name ?? "";
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** GetAccountAuthorizationDetails is refused in a way the listing path may not be. */
function detailsUnavailable(err: unknown): boolean {
  const name = errorName(err);
  return (
    [
      "InvalidAction",
      "UnknownOperationException",
      "NotImplemented",
      "AccessDenied",
      "AccessDeniedException",
    ].includes(name) || statusOf(err) === 501
  );
}

export async function readProviders(iam: IAMClient): Promise<ProviderInfo[]> {
  const list = await iam.send(new ListOpenIDConnectProvidersCommand({}));
  const arns = (list.OpenIDConnectProviderList ?? []).map((p) => p.Arn!).filter(Boolean);
  return mapPool(arns, 4, async (arn) => {
    const p = await iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
    );
    return {
      arn,
      url: (p.Url ?? arn.slice(arn.indexOf("oidc-provider/") + 14)).replace(/^https:\/\//i, ""),
      clientIds: p.ClientIDList ?? [],
      thumbprints: p.ThumbprintList ?? [],
    };
  });
}

function fromDetail(account: string, d: RoleDetail, managed: Map<string, unknown>): LiveRole {
  const attached = (d.AttachedManagedPolicies ?? []).map((p) => ({
    name: p.PolicyName!,
    arn: p.PolicyArn!,
  }));
  const lastUsed = isoDate(d.RoleLastUsed?.LastUsedDate);
  const created = isoDate(d.CreateDate);
  return {
    account,
    name: d.RoleName!,
    path: d.Path ?? "/",
    arn: d.Arn!,
    trustPolicy: policyDocument(d.AssumeRolePolicyDocument),
    maxSessionDuration: 3600,
    ...(created ? { createDate: created } : {}),
    ...(lastUsed ? { lastUsed } : {}),
    ...(d.RoleLastUsed?.Region ? { lastUsedRegion: d.RoleLastUsed.Region } : {}),
    lastUsedKnown: d.RoleLastUsed !== undefined,
    attachedPolicies: attached,
    inlinePolicies: (d.RolePolicyList ?? []).map((p) => ({
      name: p.PolicyName!,
      document: policyDocument(p.PolicyDocument),
    })),
    managedDocuments: new Map(
      attached.filter((a) => managed.has(a.arn)).map((a) => [a.arn, managed.get(a.arn)]),
    ),
    ...(d.PermissionsBoundary?.PermissionsBoundaryArn
      ? { permissionsBoundary: d.PermissionsBoundary.PermissionsBoundaryArn }
      : {}),
  };
}

async function readWithDetails(
  account: string,
  iam: IAMClient,
  options: ReadOptions,
): Promise<AccountRead | undefined> {
  const details: RoleDetail[] = [];
  const managed = new Map<string, unknown>();
  const roleNames: string[] = [];
  let first = true;
  try {
    for await (const page of paginateGetAccountAuthorizationDetails(
      { client: iam, pageSize: 1000 },
      { Filter: ["Role", "LocalManagedPolicy"] },
    )) {
      first = false;
      for (const d of page.RoleDetailList ?? []) {
        roleNames.push(d.RoleName!);
        // Only OIDC roles are kept: the rest of a large account is never held in memory.
        if (trustsOidc(policyDocument(d.AssumeRolePolicyDocument))) details.push(d);
      }
      for (const p of page.Policies ?? []) {
        const v = p.PolicyVersionList?.find((x) => x.IsDefaultVersion) ?? p.PolicyVersionList?.[0];
        if (p.Arn && v?.Document) managed.set(p.Arn, policyDocument(v.Document));
      }
      options.onRoles?.(page.RoleDetailList?.length ?? 0);
    }
  } catch (err) {
    if (first && detailsUnavailable(err)) return undefined;
    throw err;
  }
  return {
    providers: [],
    roles: details.map((d) => fromDetail(account, d, managed)),
    roleNames,
    readWith: "GetAccountAuthorizationDetails",
  };
}

/** Every item of every page. */
async function collectPages<P, T>(
  pages: AsyncIterable<P>,
  items: (page: P) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

/** A customer managed policy's default version, once per account; undefined when it cannot be read. */
function managedDocumentReader(iam: IAMClient): (arn: string) => Promise<unknown> {
  const cache = new Map<string, Promise<unknown>>();
  return (arn) => {
    let p = cache.get(arn);
    if (!p) {
      p = (async () => {
        try {
          const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
          const version = await iam.send(
            new GetPolicyVersionCommand({
              PolicyArn: arn,
              VersionId: policy.Policy?.DefaultVersionId ?? "v1",
            }),
          );
          return policyDocument(version.PolicyVersion?.Document);
        } catch {
          return undefined;
        }
      })();
      cache.set(arn, p);
    }
    return p;
  };
}

async function readByListing(
  account: string,
  iam: IAMClient,
  options: ReadOptions,
): Promise<AccountRead> {
  const listed = await collectPages(paginateListRoles({ client: iam, pageSize: 1000 }, {}), (p) => {
    options.onRoles?.(p.Roles?.length ?? 0);
    return p.Roles;
  });
  const oidc = listed.filter((r) => trustsOidc(policyDocument(r.AssumeRolePolicyDocument)));
  const managedDocument = managedDocumentReader(iam);
  const roles = await mapPool(
    oidc,
    options.roleConcurrency ?? 4,
    async (listedRole): Promise<LiveRole> => {
      const RoleName = listedRole.RoleName!;
      const [got, attached, inlineNames] = await Promise.all([
        iam.send(new GetRoleCommand({ RoleName })),
        collectPages(
          paginateListAttachedRolePolicies({ client: iam }, { RoleName }),
          (p) => p.AttachedPolicies,
        ),
        collectPages(paginateListRolePolicies({ client: iam }, { RoleName }), (p) => p.PolicyNames),
      ]);
      const inline = await Promise.all(
        inlineNames.map(async (PolicyName) => {
          const p = await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
          return { name: PolicyName, document: policyDocument(p.PolicyDocument) };
        }),
      );
      const managedDocuments = new Map<string, unknown>();
      for (const a of attached) {
        if (!a.PolicyArn || a.PolicyArn.includes(":iam::aws:policy/")) continue;
        const doc = await managedDocument(a.PolicyArn);
        if (doc !== undefined) managedDocuments.set(a.PolicyArn, doc);
      }
      const role = got.Role ?? listedRole;
      const lastUsed = isoDate(got.Role?.RoleLastUsed?.LastUsedDate);
      const created = isoDate(role.CreateDate);
      return {
        account,
        name: RoleName,
        path: role.Path ?? "/",
        arn: role.Arn!,
        trustPolicy: policyDocument(role.AssumeRolePolicyDocument),
        maxSessionDuration: role.MaxSessionDuration ?? 3600,
        ...(created ? { createDate: created } : {}),
        ...(role.Description ? { description: role.Description } : {}),
        ...(lastUsed ? { lastUsed } : {}),
        ...(got.Role?.RoleLastUsed?.Region ? { lastUsedRegion: got.Role.RoleLastUsed.Region } : {}),
        lastUsedKnown: got.Role?.RoleLastUsed !== undefined,
        attachedPolicies: attached.map((a) => ({ name: a.PolicyName!, arn: a.PolicyArn! })),
        inlinePolicies: inline,
        managedDocuments,
        ...(role.PermissionsBoundary?.PermissionsBoundaryArn
          ? { permissionsBoundary: role.PermissionsBoundary.PermissionsBoundaryArn }
          : {}),
      };
    },
  );
  return { providers: [], roles, roleNames: listed.map((r) => r.RoleName!), readWith: "ListRoles" };
}

export async function readAccount(
  account: string,
  iam: IAMClient,
  options: ReadOptions = {},
): Promise<AccountRead> {
  const [providers, read] = await Promise.all([
    readProviders(iam),
    (async () =>
      (options.listOnly ? undefined : await readWithDetails(account, iam, options)) ??
      (await readByListing(account, iam, options)))(),
  ]);
  return { ...read, providers };
}
