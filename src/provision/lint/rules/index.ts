/** Every lint rule, in the order their findings are listed for one place. IDs are stable. */
import type { LintRule } from "../types.js";
import { actionPrincipalMismatch } from "./action-principal-mismatch.js";
import { adminAccess } from "./admin-access.js";
import { audienceNotBitbucketDefault } from "./audience-not-bitbucket-default.js";
import { audienceUuidWithBraces } from "./audience-uuid-with-braces.js";
import { conditionKeyNeverSet } from "./condition-key-never-set.js";
import { conditionKeyProviderMismatch } from "./condition-key-provider-mismatch.js";
import { federatedProviderOtherAccount } from "./federated-provider-other-account.js";
import { forAllValuesMissingKey } from "./for-all-values-missing-key.js";
import { ipConditionNeedsStaticEgress } from "./ip-condition-needs-static-egress.js";
import { malformedTrustPolicy } from "./malformed-trust-policy.js";
import { misspelledOidcVariable } from "./misspelled-oidc-variable.js";
import { noAudienceCondition } from "./no-audience-condition.js";
import { noSubjectCondition } from "./no-subject-condition.js";
import { oidcFlagMissing } from "./oidc-flag-missing.js";
import { providerUrlFormat } from "./provider-url-format.js";
import { setOperatorOnSingleValuedClaim } from "./set-operator-on-single-valued-claim.js";
import { staleIpRanges } from "./stale-ip-ranges.js";
import { staticAwsKeys } from "./static-aws-keys.js";
import { subjectEquals } from "./subject-equals.js";
import { templateLimits } from "./template-limits.js";
import { parameterPlaceholder, unresolvedValue } from "./template-notes.js";
import { thumbprintFormat } from "./thumbprint-format.js";
import { tokenFileNotWritten } from "./token-file-not-written.js";
import { trustPolicyTooLarge } from "./trust-policy-too-large.js";
import { unresolvedPlaceholder } from "./unresolved-placeholder.js";
import { uuidWithoutBraces } from "./uuid-without-braces.js";
import { wildcardInStringEquals } from "./wildcard-in-string-equals.js";

export const RULES: readonly LintRule[] = [
  malformedTrustPolicy,
  actionPrincipalMismatch,
  noAudienceCondition,
  noSubjectCondition,
  wildcardInStringEquals,
  uuidWithoutBraces,
  conditionKeyProviderMismatch,
  conditionKeyNeverSet,
  subjectEquals,
  forAllValuesMissingKey,
  setOperatorOnSingleValuedClaim,
  federatedProviderOtherAccount,
  audienceUuidWithBraces,
  audienceNotBitbucketDefault,
  adminAccess,
  unresolvedPlaceholder,
  trustPolicyTooLarge,
  ipConditionNeedsStaticEgress,
  staleIpRanges,
  thumbprintFormat,
  providerUrlFormat,
  oidcFlagMissing,
  tokenFileNotWritten,
  misspelledOidcVariable,
  staticAwsKeys,
  parameterPlaceholder,
  unresolvedValue,
  templateLimits,
];
