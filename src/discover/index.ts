/**
 * `discover`: what registering a Bitbucket workspace as an IAM OIDC provider needs, read from the
 * live endpoints (issuer, keys, workspace UUID, audience, TLS thumbprints, egress ranges). The
 * core returns a report object; rendering it is pure (text or a bb-oidc.yaml skeleton).
 */
export {
  CONFIG_PLACEHOLDERS,
  type ConfigPlaceholder,
  fillPlaceholders,
  renderConfigSkeleton,
} from "./config-skeleton.js";
export { type ConnectionPlan, connectionPlan, discover } from "./discover.js";
export { ATLASSIAN_IP_RANGES_STEP_YAML, EGRESS_NOTE, fetchEgressRanges } from "./ip-ranges.js";
export { base64UrlBitLength, describeJwk, MIN_RSA_BITS, summarizeJwks } from "./keys.js";
export { renderDiscoveryText } from "./render-text.js";
export { DEFAULT_EXPIRY_WARNING_DAYS, joinHostPort, opensslCommands, tlsHostFacts } from "./tls.js";
export type * from "./types.js";
