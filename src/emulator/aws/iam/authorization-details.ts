import { checkConstraints } from "../errors.js";
import { awsManagedPolicy, awsManagedPolicyArns } from "./aws-managed.js";
import { pagingSpecs } from "./constraints.js";
import type { IamContext } from "./context.js";
import { customerPoliciesOf, inlinePoliciesOf, rolesOf, usersOf } from "./lookup.js";
import { page } from "./paging.js";
import {
  awsPolicyView,
  awsVersionViews,
  customerPolicyView,
  usageCounts,
  versionViews,
} from "./policy-views.js";
import type {
  InlinePolicyStored,
  ManagedPolicyView,
  PolicyVersionView,
  RoleLastUsedStored,
  RoleStored,
  UserStored,
} from "./records.js";
import type { RoleLastUsedLog } from "./role-last-used.js";

/** GetAccountAuthorizationDetails' Filter values (entityListType). */
export const ENTITY_TYPES = [
  "User",
  "Role",
  "Group",
  "LocalManagedPolicy",
  "AWSManagedPolicy",
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export type AuthorizationDetail =
  | { kind: "user"; user: UserStored }
  | {
      kind: "role";
      role: RoleStored;
      inlinePolicies: InlinePolicyStored[];
      lastUsed: RoleLastUsedStored | undefined;
    }
  | { kind: "policy"; policy: ManagedPolicyView; versions: PolicyVersionView[] };

type Ref =
  | { kind: "user"; user: UserStored }
  | { kind: "role"; role: RoleStored }
  | { kind: "local"; arn: string }
  | { kind: "aws"; arn: string };

/**
 * One page of an account's users, roles and managed policies with everything that decides who
 * can do what: trust policy, inline and attached policies, boundary, tags, last use; every
 * version of every policy. Customer managed policies are all listed; AWS managed ones only where
 * a role or user of the account uses them [U] (docs/aws-behaviour.md). The emulator has no groups
 * and no inline user policies (docs/decisions.md).
 */
export function authorizationDetails(
  ctx: IamContext,
  lastUsed: RoleLastUsedLog,
  account: string,
  request: { filter?: string[]; marker?: string; maxItems?: number },
): { items: AuthorizationDetail[]; marker?: string } {
  checkConstraints(pagingSpecs(request), filterViolations(request.filter));
  const wanted = new Set<string>(request.filter?.length ? request.filter : ENTITY_TYPES);
  const refs: Ref[] = [];
  if (wanted.has("User")) {
    for (const user of usersOf(ctx.store, account)) refs.push({ kind: "user", user });
  }
  if (wanted.has("Role")) {
    for (const role of rolesOf(ctx.store, account)) refs.push({ kind: "role", role });
  }
  if (wanted.has("LocalManagedPolicy")) {
    for (const p of customerPoliciesOf(ctx.store, account))
      refs.push({ kind: "local", arn: p.arn });
  }
  if (wanted.has("AWSManagedPolicy")) {
    for (const arn of awsManagedPolicyArns()) {
      const used = usageCounts(ctx.store, account, arn);
      if (used.attachmentCount + used.permissionsBoundaryUsageCount > 0) {
        refs.push({ kind: "aws", arn });
      }
    }
  }
  const { page: refsPage, marker } = page(refs, request);
  const customer = new Map(customerPoliciesOf(ctx.store, account).map((p) => [p.arn, p]));
  const items = refsPage.map((ref): AuthorizationDetail => {
    if (ref.kind === "user") return ref;
    if (ref.kind === "role") {
      return {
        kind: "role",
        role: ref.role,
        inlinePolicies: inlinePoliciesOf(ctx.store, account, ref.role.name),
        lastUsed: lastUsed.get(account, ref.role.name, ref.role.roleId),
      };
    }
    if (ref.kind === "local") {
      const p = customer.get(ref.arn)!;
      return {
        kind: "policy",
        policy: customerPolicyView(ctx.store, p),
        versions: versionViews(p),
      };
    }
    const p = awsManagedPolicy(ref.arn)!;
    return {
      kind: "policy",
      policy: awsPolicyView(ctx.store, account, ref.arn, p),
      versions: awsVersionViews(p),
    };
  });
  return marker === undefined ? { items } : { items, marker };
}

function filterViolations(filter: string[] | undefined): string[] {
  const bad = (filter ?? []).filter((f) => !(ENTITY_TYPES as readonly string[]).includes(f));
  return bad.length === 0
    ? []
    : [
        `Value '[${(filter ?? []).join(", ")}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${ENTITY_TYPES.join(", ")}]]`,
      ];
}
