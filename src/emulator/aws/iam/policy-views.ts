import { createHash } from "node:crypto";
import type { Store } from "../../store/types.js";
import type { AwsManagedPolicy } from "./aws-managed.js";
import { rolesOf, usersOf } from "./lookup.js";
import type {
  ManagedPolicyStored,
  ManagedPolicyView,
  PolicyVersionStored,
  PolicyVersionView,
} from "./records.js";

/** AWS managed policies have no dates of their own here: one stable pair for all. */
const AWS_POLICY_DATE = "2015-02-06T18:39:46Z";

/** A stored policy's versions and default, also for records written before versions existed. */
export function versionsOf(p: ManagedPolicyStored): {
  versions: PolicyVersionStored[];
  defaultVersionId: string;
  nextVersion: number;
} {
  if (p.versions && p.defaultVersionId) {
    return {
      versions: p.versions,
      defaultVersionId: p.defaultVersionId,
      nextVersion: p.nextVersion ?? p.versions.length + 1,
    };
  }
  return {
    versions: [{ versionId: "v1", document: p.document, createDate: p.createDate }],
    defaultVersionId: "v1",
    nextVersion: 2,
  };
}

export function versionViews(p: ManagedPolicyStored): PolicyVersionView[] {
  const { versions, defaultVersionId } = versionsOf(p);
  return versions.map((v) => ({ ...v, isDefault: v.versionId === defaultVersionId }));
}

export function awsVersionViews(p: AwsManagedPolicy): PolicyVersionView[] {
  return [{ versionId: "v1", document: p.document, isDefault: true, createDate: AWS_POLICY_DATE }];
}

/**
 * How many of the account's roles and users attach a policy, and how many roles use it as their
 * boundary.
 */
export function usageCounts(
  store: Store,
  account: string,
  arn: string,
): { attachmentCount: number; permissionsBoundaryUsageCount: number } {
  let attachmentCount = 0;
  let permissionsBoundaryUsageCount = 0;
  for (const r of rolesOf(store, account)) {
    if (r.attachedPolicyArns.includes(arn)) attachmentCount++;
    if (r.permissionsBoundary === arn) permissionsBoundaryUsageCount++;
  }
  for (const u of usersOf(store, account)) {
    if (u.attachedPolicyArns?.includes(arn)) attachmentCount++;
  }
  return { attachmentCount, permissionsBoundaryUsageCount };
}

export function customerPolicyView(store: Store, p: ManagedPolicyStored): ManagedPolicyView {
  const view: ManagedPolicyView = {
    name: p.name,
    path: p.path,
    policyId: p.policyId,
    arn: p.arn,
    defaultVersionId: versionsOf(p).defaultVersionId,
    createDate: p.createDate,
    updateDate: p.updateDate,
    ...usageCounts(store, p.account, p.arn),
    tags: p.tags,
  };
  if (p.description !== undefined) view.description = p.description;
  return view;
}

export function awsPolicyView(
  store: Store,
  account: string,
  arn: string,
  p: AwsManagedPolicy,
): ManagedPolicyView {
  // A stable synthetic ID: AWS's own are not shipped with the catalogue.
  const digest = createHash("sha256").update(arn).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let id = "ANPA";
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! & 31];
  return {
    name: p.name,
    path: p.path,
    policyId: id,
    arn,
    defaultVersionId: "v1",
    createDate: AWS_POLICY_DATE,
    updateDate: AWS_POLICY_DATE,
    ...usageCounts(store, account, arn),
    tags: [],
  };
}
