/** IAM state as stored: one JSON record per provider, role, inline policy and managed policy. */

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
  tags: TagRecord[];
}

export interface InlinePolicyStored {
  account: string;
  roleName: string;
  policyName: string;
  document: string;
}

export interface ManagedPolicyStored {
  account: string;
  name: string;
  path: string;
  policyId: string;
  arn: string;
  document: string;
  description?: string;
  createDate: string;
  updateDate: string;
  tags: TagRecord[];
}

/** What GetPolicy/ListPolicies show, for customer and AWS managed policies alike. */
export interface ManagedPolicyView {
  name: string;
  path: string;
  policyId: string;
  arn: string;
  description?: string;
  createDate: string;
  updateDate: string;
  attachmentCount: number;
  tags: TagRecord[];
}

export const COLLECTIONS = {
  providers: "iam-oidc-providers",
  roles: "iam-roles",
  rolePolicies: "iam-role-policies",
  policies: "iam-policies",
} as const;
