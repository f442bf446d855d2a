import type { StsError } from "./types.js";

/**
 * STS's error vocabulary for AssumeRoleWithWebIdentity, in one place. Messages are AWS's own
 * where domain-facts marks them observed; the others are this project's choice (see
 * docs/decisions.md) and are marked here.
 */
export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

const sender = (code: string, httpStatus: number, message: string): StsError => ({
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
  malformedPolicy: (detail: string) =>
    sender("MalformedPolicyDocument", 400, `Session policy is not valid: ${detail}`),
  validation: (violations: string[]) =>
    sender(
      "ValidationError",
      400,
      `${violations.length} validation error${violations.length === 1 ? "" : "s"} detected: ${violations.join("; ")}`,
    ),
};
