/** IAM quotas (defaults) the emulator enforces; docs/aws-behaviour.md "Limits" has the sources. */
export const IAM_LIMITS = {
  rolesPerAccount: 1000,
  customerPoliciesPerAccount: 1500,
  providersPerAccount: 100,
  clientIdsPerProvider: 100,
  thumbprintsPerProvider: 5,
  trustPolicySize: 2048,
  managedPolicySize: 6144,
  inlineRolePolicySize: 10240,
  managedPoliciesPerRole: 10,
  tagsPerResource: 50,
  versionsPerPolicy: 5,
  usersPerAccount: 5000,
  accessKeysPerUser: 2,
  managedPoliciesPerUser: 10,
} as const;
