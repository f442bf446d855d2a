/** Template builder: `bb-oidc.yaml` → CloudFormation. */
export type { BuildOptions, RoleMetadata } from "./build-template.js";
export {
  buildTemplate,
  DEFAULT_TRUST_POLICY_QUOTA,
  MAX_TRUST_POLICY_QUOTA,
  METADATA_KEY,
} from "./build-template.js";
export { PROVIDER_LOGICAL_ID, roleLogicalIds } from "./logical-ids.js";
export type { TemplateFormat } from "./render-template.js";
export { renderTemplate } from "./render-template.js";
export type { TrustInputs } from "./trust-policy.js";
export { subPatterns, trustPolicyDocument } from "./trust-policy.js";
