/**
 * `bb-oidc who-can`: which repository (and deployment environment) can assume which role in which
 * account, decided by the STS engine with synthetic tokens, never by reading conditions.
 */

export { attemptsFor, type TrustFacts, trustFacts } from "../trust/attempts.js";
export {
  type Attempt,
  askUntilAllowed,
  SYNTHETIC_NOW,
  syntheticClaims,
  syntheticUuid,
} from "../trust/synthetic.js";
export { compareMatrices, differenceLine, type MatrixDifference } from "./compare.js";
export {
  fromConfig,
  fromConfigText,
  fromTemplateText,
  type RolesAndProviders,
} from "./from-template.js";
export { type LiveAccess, type LiveRead, ouMembers, readLive } from "./live.js";
export { whoCan } from "./matrix.js";
export { columnLabels, type MatrixFormat, renderMatrix, rowLabel } from "./render.js";
export type * from "./types.js";
