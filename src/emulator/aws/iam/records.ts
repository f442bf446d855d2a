/**
 * IAM state as stored: one JSON record per provider, role, inline policy, managed policy, user
 * and access key.
 */

export interface TagRecord {
  key: string;
  value: string;
}

export interface OidcProviderStored {
  account: string;
  /** Without `https://`, as IAM stores it. */
  url: string;
  arn: string;
  clientIds: string[];
  /** Lower-case hex. */
  thumbprints: string[];
  /** ISO 8601. */
  createDate: string;
  tags: TagRecord[];
}

export interface RoleStored {
  account: string;
  name: string;
  path: string;
  roleId: string;
  arn: string;
  /** The trust policy exactly as given (IAM returns it URL-encoded). */
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  createDate: string;
  attachedPolicyArns: string[];
  /** ARN of the managed policy that bounds the role's permissions. */
  permissionsBoundary?: string;
  tags: TagRecord[];
}

export interface UserStored {
  account: string;
  name: string;
  path: string;
  /** `AIDA…` */
  userId: string;
  arn: string;
  createDate: string;
  tags: TagRecord[];
  /** Managed policy ARNs; absent in records written before users took policies. */
  attachedPolicyArns?: string[];
}

/** A user's long-term key. The secret is kept: the emulator checks signatures made with it. */
export interface AccessKeyStored {
  account: string;
  /** The owner's name as created (names are matched without regard to case). */
  userName: string;
  /** `AKIA…` */
  accessKeyId: string;
  secretAccessKey: string;
  status: "Active" | "Inactive";
  createDate: string;
}

export interface InlinePolicyStored {
  account: string;
  roleName: string;
  policyName: string;
  document: string;
}

export interface PolicyVersionStored {
  versionId: string;
  document: string;
  createDate: string;
}

export interface ManagedPolicyStored {
  account: string;
  name: string;
  path: string;
  policyId: string;
  arn: string;
  /** The default version's document. */
  document: string;
  description?: string;
  createDate: string;
  updateDate: string;
  tags: TagRecord[];
  /** Absent in state written before versions existed: then `v1` holds `document`. */
  defaultVersionId?: string;
  versions?: PolicyVersionStored[];
  /** The next version number; IAM never reuses one, even after a delete. */
  nextVersion?: number;
}

/** Where and when a session of a role was last issued (RoleLastUsed). */
export interface RoleLastUsedStored {
  /** Whose: a role deleted and created again under the same name starts unused. */
  roleId: string;
  /** ISO 8601. */
  lastUsedDate: string;
  region: string;
}

/** What GetPolicy/ListPolicies show, for customer and AWS managed policies alike. */
export interface ManagedPolicyView {
  name: string;
  path: string;
  policyId: string;
  arn: string;
  defaultVersionId: string;
  description?: string;
  createDate: string;
  updateDate: string;
  attachmentCount: number;
  permissionsBoundaryUsageCount: number;
  tags: TagRecord[];
}

export interface PolicyVersionView {
  versionId: string;
  document: string;
  isDefault: boolean;
  createDate: string;
}

export const COLLECTIONS = {
  providers: "iam-oidc-providers",
  roles: "iam-roles",
  rolePolicies: "iam-role-policies",
  policies: "iam-policies",
  roleLastUsed: "iam-role-last-used",
  users: "iam-users",
  accessKeys: "iam-access-keys",
} as const;
