import { type BbOidcError, PolicyError } from "../errors.js";
import type { WireError } from "./types.js";

/**
 * AWS's wire errors (code, HTTP status, message) for STS, and the one mapping from this project's
 * error codes (src/errors.ts) to them (`wireErrorOf`). Messages are AWS's own where
 * docs/aws-behaviour.md marks them observed; the others are this project's choice (see
 * docs/decisions.md) and are marked here.
 */
export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

const sender = (code: string, httpStatus: number, message: string): WireError => ({
  code,
  httpStatus,
  message,
  type: "Sender",
});

export const stsErrors = {
  noProvider: (issuer: string) =>
    sender(
      "InvalidIdentityToken",
      400,
      `No OpenIDConnect provider found in your account for ${issuer}`,
    ),
  incorrectAudience: () => sender("InvalidIdentityToken", 400, "Incorrect token audience"),
  missingClaim: (claim: string) =>
    sender("InvalidIdentityToken", 400, `Missing a required claim: ${claim}`),
  keyUnavailable: () =>
    sender(
      "InvalidIdentityToken",
      400,
      // Two spaces before "please" as AWS sends it.
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    ),
  thumbprintMismatch: () =>
    sender(
      "InvalidIdentityToken",
      400,
      "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
    ),
  expired: (now: number, exp: number) =>
    sender(
      "ExpiredTokenException",
      400,
      `Token expired: current date/time ${now} must be before the expiration date/time ${exp}`,
    ),
  accessDenied: () =>
    sender("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
  durationExceedsRoleMax: () =>
    sender(
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    ),
  // [U] wording: AWS's text for an unparseable token is not verified.
  malformedToken: () =>
    sender(
      "InvalidIdentityToken",
      400,
      "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
    ),
  // [U] wording for a token that parses but whose signature or algorithm fails.
  badSignature: () =>
    sender(
      "InvalidIdentityToken",
      400,
      "Invalid identity token: the signature could not be verified",
    ),
  // [U] wording for a token not yet valid (nbf/iat in the future beyond the grace).
  notYetValid: () =>
    sender("InvalidIdentityToken", 400, "Invalid identity token: the token is not yet valid"),
  invalidRoleArn: () => sender("ValidationError", 400, "Request ARN is invalid"),
  /** AssumeRole refused by the trust policy (or the role is missing): AWS names caller and action. */
  notAuthorized: (callerArn: string, action: string, roleArn: string) =>
    sender(
      "AccessDenied",
      403,
      `User: ${callerArn} is not authorized to perform: ${action} on resource: ${roleArn}`,
    ),
  rootCannotAssume: () => sender("AccessDenied", 403, "Roles may not be assumed by root accounts."),
  chainedDurationExceeded: () =>
    sender(
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    ),
  // [U] wording: a session tag whose key an inherited transitive tag already has.
  transitiveTagOverride: (keys: string[]) =>
    sender(
      "InvalidParameterValue",
      400,
      `One or more session tags override transitive tags inherited from the calling session: ${keys.join(", ")}`,
    ),
  // [U] wording: a SourceIdentity other than the one the calling session already carries.
  sourceIdentityChanged: () =>
    sender(
      "InvalidParameterValue",
      400,
      "The source identity of a role session cannot be changed once it is set.",
    ),
  // [U] STS's wording for a session policy: IAM's text for the same document.
  malformedPolicy: (text: string) => sender("MalformedPolicyDocument", 400, text),
  validation: (violations: string[]) =>
    sender(
      "ValidationError",
      400,
      `${violations.length} validation error${violations.length === 1 ? "" : "s"} detected: ${violations.join("; ")}`,
    ),
};

/**
 * What AWS answers for one of our errors: a token check that failed is STS's
 * InvalidIdentityToken (or ExpiredTokenException), a policy IAM would refuse is
 * MalformedPolicyDocument — from STS for a session policy, from IAM for a stored one. Undefined
 * when the code has no AWS meaning (our own failures, which are internal errors on the wire).
 * Details come from the error's typed `expected`/`actual`, never from its message.
 */
export function wireErrorOf(err: BbOidcError, service: "sts" | "iam"): WireError | undefined {
  if (err.is("ERR_POLICY_MALFORMED")) {
    // IAM's own terse text; our detailed message stays for people (lint, explain).
    const text = err instanceof PolicyError ? err.awsMessage : err.message;
    return service === "sts"
      ? stsErrors.malformedPolicy(text)
      : sender("MalformedPolicyDocument", 400, text);
  }
  if (service !== "sts") return undefined;
  if (err.is("ERR_TOKEN_EXPIRED")) {
    const now = err.actual?.now ?? 0;
    return stsErrors.expired(now, err.expected?.exp ?? 0);
  }
  if (err.is("ERR_CLAIM_MISSING")) return stsErrors.missingClaim(err.expected?.claim ?? "exp");
  switch (err.code) {
    case "ERR_TOKEN_NOT_YET_VALID":
      return stsErrors.notYetValid();
    case "ERR_TOKEN_MALFORMED":
    case "ERR_TOKEN_TOO_LARGE":
      return stsErrors.malformedToken();
    case "ERR_ALG_NOT_ALLOWED":
    case "ERR_CRIT_UNSUPPORTED":
    case "ERR_KEY_TOO_SMALL":
    case "ERR_SIGNATURE_INVALID":
    case "ERR_ISSUER_MISMATCH":
      return stsErrors.badSignature();
    case "ERR_KEY_NOT_FOUND":
    case "ERR_JWKS_INVALID":
    case "ERR_FETCH_NETWORK":
    case "ERR_FETCH_TIMEOUT":
    case "ERR_FETCH_TLS":
    case "ERR_FETCH_HTTP_STATUS":
    case "ERR_FETCH_BAD_JSON":
    case "ERR_FETCH_NOT_HTTPS":
    case "ERR_FETCH_TOO_LARGE":
    case "ERR_DISCOVERY_INVALID":
    case "ERR_DISCOVERY_ISSUER_MISMATCH":
      // STS cannot get a key to check with.
      return stsErrors.keyUnavailable();
    default:
      return undefined;
  }
}

/** What an STS refusal was about, read from AWS's code and its (documented) texts. */
export type StsRefusalKind =
  | "accessDenied"
  | "noProvider"
  | "incorrectAudience"
  | "expired"
  | "keyUnavailable"
  | "thumbprint"
  | "durationOverRoleMax"
  | "chainedDuration"
  | "validation"
  | "invalidToken"
  | "network"
  | "other";

const NO_PROVIDER_PREFIX = stsErrors.noProvider("").message;
const KEY_UNAVAILABLE_START = "couldn't retrieve verification key";

/**
 * The kind of an STS refusal as the wire reports it. AWS's code alone does not say which check
 * failed (InvalidIdentityToken covers five), so its texts — the same ones `stsErrors` writes — are
 * compared here, in the one place that knows them.
 */
export function stsRefusalKind(code: string, message: string): StsRefusalKind {
  switch (code) {
    case "AccessDenied":
      return "accessDenied";
    case "ExpiredTokenException":
    case "ExpiredToken":
      return "expired";
    case "IDPCommunicationError":
      return "keyUnavailable";
    case "NetworkError":
    case "TimeoutError":
      return "network";
    case "ValidationError":
      if (message === stsErrors.durationExceedsRoleMax().message) return "durationOverRoleMax";
      if (message === stsErrors.chainedDurationExceeded().message) return "chainedDuration";
      return "validation";
    case "InvalidIdentityToken":
      if (message.startsWith(NO_PROVIDER_PREFIX)) return "noProvider";
      if (message === stsErrors.incorrectAudience().message) return "incorrectAudience";
      // AWS has sent this one capitalised and not (aws/aws-sdk-php#1725, 2019: "couldn't …").
      if (message.toLowerCase().startsWith(KEY_UNAVAILABLE_START)) return "keyUnavailable";
      if (message === stsErrors.thumbprintMismatch().message) return "thumbprint";
      return "invalidToken";
    default:
      return "other";
  }
}
