export {
  type AdminClientOptions,
  createWorkspaceViaAdmin,
  mintViaAdmin,
  rotateViaAdmin,
} from "./admin-client.js";
export { SIGNING_KEYS, WORKSPACES } from "./collection-names.js";
export { discoveryDocument } from "./discovery.js";
export { defaultIpRangesFeed } from "./ip-ranges-feed.js";
export {
  buildClaims,
  checkMintOptions,
  DEFAULT_TOKEN_TTL_SECONDS,
  type MintOptions,
  mintToken,
} from "./mint.js";
export {
  type BitbucketServer,
  type BitbucketServerOptions,
  startBitbucketServer,
} from "./server.js";
export {
  activeKey,
  DEFAULT_ROTATION_GRACE_SECONDS,
  type PublishedJwk,
  publishedKeys,
  type RotateKeysOptions,
  type RotateKeysResult,
  rotateKeys,
  type SigningKeyRecord,
} from "./signing-keys.js";
export {
  type EnsureWorkspaceOptions,
  ensureWorkspace,
  getWorkspace,
  listWorkspaces,
  stableUuid,
  type WorkspaceRecord,
  workspaceUuidFor,
} from "./workspaces.js";
