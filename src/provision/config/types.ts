/** `bb-oidc.yaml`, as validated: every field checked, defaults filled in. */

/** An IAM policy document (identity policy) as written in the config. */
export type PolicyDocumentJson = Record<string, unknown>;

export interface WorkspaceConfig {
  slug: string;
  /** With braces, as Bitbucket writes it: `{…}`. */
  uuid: string;
  /** Bitbucket API origin; only the emulator and tests change it. Default https://api.bitbucket.org. */
  apiBase?: string;
}

export type ProviderConfig =
  /** The template creates the provider (one per issuer URL per account). */
  | { create: true; thumbprints?: string[] }
  /**
   * The provider already exists in every target account. `arn`, when given, is checked against
   * the workspace issuer; the template still builds the ARN from the target account.
   */
  | { create: false; arn?: string };

/** `bitbucket-egress`: Atlassian's published Pipelines egress ranges, supplied at build time. */
export type SourceIps = "bitbucket-egress" | string[];

export interface RoleConfig {
  name: string;
  description?: string;
  /** IAM path, `/` by default. */
  path?: string;
  /** Exactly one of `accounts` and `organizationalUnits` is set. */
  accounts?: string[];
  organizationalUnits?: string[];
  /** Repository UUIDs with braces. */
  repositories: string[];
  /** Deployment environment UUIDs with braces; when set, only deployment steps of these qualify. */
  environments?: string[];
  managedPolicyArns: string[];
  inlinePolicies: Record<string, PolicyDocumentJson>;
  permissionsBoundary?: string;
  maxSessionDuration?: number;
  sourceIps?: SourceIps;
  /** Explicit opt-in to AdministratorAccess (or an inline Allow of `*` on `*`). */
  allowAdministratorAccess: boolean;
  tags: Record<string, string>;
}

export interface BbOidcConfig {
  workspace: WorkspaceConfig;
  /** Never empty: defaults to the workspace's default audience. */
  audiences: string[];
  provider: ProviderConfig;
  roles: RoleConfig[];
}
