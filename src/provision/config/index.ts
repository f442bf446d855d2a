/** `bb-oidc.yaml`: the typed configuration and its loader. */
export { grantsEverything, isAdministratorAccessArn } from "./admin.js";
export type { ConfigProblem } from "./config-error.js";
export { ConfigError, formatProblem } from "./config-error.js";
export { ADMIN_OPT_IN_FIELD, BITBUCKET_EGRESS, loadConfig } from "./load-config.js";
export type {
  BbOidcConfig,
  PolicyDocumentJson,
  ProviderConfig,
  RoleConfig,
  SourceIps,
  WorkspaceConfig,
} from "./types.js";
