/**
 * What an audit reads (live roles and providers of each account) and what it reports (findings
 * ranked by severity, who can assume each role, accounts that could not be read).
 */

/** critical > high > medium > low > info. */
export type AuditSeverity = "critical" | "high" | "medium" | "low" | "info";
export const SEVERITIES: readonly AuditSeverity[] = ["critical", "high", "medium", "low", "info"];

/**
 * Who can get a token the role accepts, as the engine decided:
 * - `platform`: anyone on the CI platform (any GitHub repository, any Terraform Cloud organization)
 * - `owner`: any repository of one workspace, owner, group or organization (or any subject of an issuer)
 * - `scoped`: only the repositories, projects or environments the policy names
 * - `none`: no token can pass (a dead role)
 * - `unknown`: the policy could not be decided (the engine refused to compile it)
 */
export type Reach = "platform" | "owner" | "scoped" | "none" | "unknown";

/** What a session of the role may do: `admin` (everything, or can make itself admin), `power`, `limited`, `none`. */
export type BlastLevel = "admin" | "power" | "limited" | "none";

export interface BlastRadius {
  level: BlastLevel;
  /** Why, e.g. `AdministratorAccess attached`, `inline policy deploy allows s3:* on *`. */
  reasons: string[];
}

export interface ProviderInfo {
  arn: string;
  /** Without https://, as IAM stores it. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
}

export interface LiveRole {
  account: string;
  name: string;
  path: string;
  arn: string;
  /** Parsed (IAM returns it URL-encoded). */
  trustPolicy: unknown;
  maxSessionDuration: number;
  createDate?: string;
  description?: string;
  /** ISO 8601 of RoleLastUsed.LastUsedDate; absent when IAM reports none (never used in its window). */
  lastUsed?: string;
  lastUsedRegion?: string;
  /** Whether RoleLastUsed was read at all (the listing path reads it with GetRole). */
  lastUsedKnown: boolean;
  attachedPolicies: { name: string; arn: string }[];
  inlinePolicies: { name: string; document: unknown }[];
  /** Documents of attached customer managed policies that could be read, by ARN. */
  managedDocuments: Map<string, unknown>;
  permissionsBoundary?: string;
}

/** The part of a trust policy that decided, for highlighting: a statement, or one of its conditions. */
export interface DecidingPart {
  statement: number;
  operator?: string;
  key?: string;
}

export interface AuditFinding {
  /** Stable; shared with `bb-oidc lint` where the meaning is the same. */
  ruleId: string;
  severity: AuditSeverity;
  account: string;
  role?: string;
  roleArn?: string;
  /** What is wrong, concretely. */
  message: string;
  /** Who can assume the role (in words), when it is about access. */
  who?: string;
  /** The condition that is missing, or the one that fails. */
  condition?: string;
  fix: string;
  blastRadius?: BlastLevel;
  deciding?: DecidingPart;
  /** Drift: the expected and the live trust policy, as a line diff. */
  diff?: string;
}

export interface AuditedRole {
  account: string;
  name: string;
  arn: string;
  /** Issuer kinds the role trusts, e.g. `bitbucket`, `github`. */
  issuers: string[];
  reach: Reach;
  /** Who can assume it, in words (one line each). */
  who: string[];
  blast: BlastRadius;
  lastUsed?: string;
  /** Kept only for roles with findings (the HTML report shows it). */
  trustPolicy?: unknown;
  deciding: DecidingPart[];
}

export type AccountStatus = "audited" | "unreachable" | "skipped";

export interface AccountResult {
  account: string;
  name?: string;
  /** OU path from the root, when the organization's tree was read. */
  ou?: string;
  status: AccountStatus;
  /** Why it could not be audited (unreachable, skipped). */
  error?: string;
  /** How it was entered: `current credentials` or the assumed role ARN. */
  via?: string;
  roles: number;
  oidcRoles: number;
  providers: ProviderInfo[];
  /** Whether GetAccountAuthorizationDetails was used (else ListRoles and per-role reads). */
  readWith?: "GetAccountAuthorizationDetails" | "ListRoles";
}

export interface AuditSummary {
  accounts: number;
  audited: number;
  unreachable: number;
  skipped: number;
  roles: number;
  oidcRoles: number;
  findings: Record<AuditSeverity, number>;
}

export interface AuditReport {
  tool: { name: "bb-oidc"; version: string };
  generatedAt: string;
  /** What was asked: `current account`, `accounts 1, 2`, `organization o-…` (with OUs). */
  scope: string;
  accounts: AccountResult[];
  roles: AuditedRole[];
  /** Most severe first, then by account and role. */
  findings: AuditFinding[];
  summary: AuditSummary;
}
