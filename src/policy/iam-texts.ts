/**
 * What IAM answers (MalformedPolicyDocument, HTTP 400) when it refuses a policy document, in its
 * own words. Each text's source is in docs/aws-behaviour.md ("IAM policies and their validation").
 * bb-oidc's own message says more (what is wrong, where, what would be right); the emulator
 * answers these.
 */
export const IAM_POLICY_TEXTS = {
  /** Not JSON at all (CreateRole, CreatePolicy). */
  invalidJson: "This policy contains invalid Json",
  /** IAM's catch-all for a document of the wrong shape. */
  syntax: "Syntax errors in policy.",
  /** A Version IAM does not know. */
  legacyParsing: "The policy failed legacy parsing",
  principalInIdentity: "Policy document should not specify a principal.",
  prohibitedField: (field: string) => `Has prohibited field ${field}`,
  missingPrincipal: "Missing required field Principal",
  missingActions: "Policy statement must contain actions.",
  missingResources: "Policy statement must contain resources.",
  sidNotUnique: "Statement IDs (SID) in a single policy must be unique.",
  sidNotAlphanumeric:
    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
  actionWithoutVendor: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
  actionColons: "Actions/Condition can contain only one colon.",
  resourceNotArn: (resource: string) => `Resource ${resource} must be in ARN format or "*".`,
  invalidPrincipal: (type: string, value: string) =>
    `Invalid principal in policy: "${type}":"${value}"`,
  trustActions: "AssumeRole policy may only specify STS AssumeRole actions.",
  /** A JSON object that names one key twice (docs/aws-behaviour.md, "Duplicate keys"). */
  duplicateKey: "Syntax errors in policy.",
} as const;
