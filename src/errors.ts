/**
 * One error vocabulary for the whole project. Every code bb-oidc raises is listed in
 * `ERROR_CODES` with what it means; `ErrorCode` is their union, so a code that is not listed does
 * not compile. Failed checks carry `expected`/`actual` (typed per code in `CheckDetails`); `hint`
 * says what to do next. AWS's wire codes (InvalidIdentityToken, MalformedPolicyDocument, …) are
 * not ours: they are derived from these in one place, `wireErrorOf` in src/sts/sts-errors.ts.
 */
export const ERROR_CODES = {
  // What the user gave
  ERR_INPUT: "a flag, file or value the user gave is unusable (the CLI exits 2)",
  ERR_USAGE: "the command line itself is wrong (the CLI exits 2)",

  // Tokens (src/oidc)
  ERR_TOKEN_MALFORMED: "not a compact JWS with JSON header and claims of the right types",
  ERR_TOKEN_TOO_LARGE: "over STS's 20000-character limit",
  ERR_ALG_NOT_ALLOWED: "an algorithm STS does not accept (none, HMAC, PSS…)",
  ERR_CRIT_UNSUPPORTED: "the header marks an extension critical; none is understood",
  ERR_KEY_NOT_FOUND: "no key of the issuer matches the token's kid/alg, or keys are unreachable",
  ERR_KEY_TOO_SMALL: "the issuer's RSA key is shorter than STS accepts",
  ERR_SIGNATURE_INVALID: "the signature does not verify with the issuer's key",
  ERR_TOKEN_EXPIRED: "more than the grace past exp",
  ERR_TOKEN_NOT_YET_VALID: "nbf or iat further in the future than the grace",
  ERR_ISSUER_MISMATCH: "iss is not the expected issuer",
  ERR_ISSUER_NOT_PINNED: "the token's issuer is not one the caller named: not checked",
  ERR_AUDIENCE_MISMATCH: "aud holds none of the expected audiences",
  ERR_CLAIM_MISSING: "a required claim is absent",
  ERR_JWKS_INVALID: "the issuer's key set is not a usable JWKS",

  // Fetching discovery documents, keys and feeds
  ERR_FETCH_NETWORK: "the host could not be reached",
  ERR_FETCH_TIMEOUT: "the host did not answer in time",
  ERR_FETCH_TLS: "the TLS handshake or certificate check failed",
  ERR_FETCH_HTTP_STATUS: "the host answered with an error status",
  ERR_FETCH_BAD_JSON: "the answer is not JSON",
  ERR_FETCH_NOT_HTTPS: "the URL is not https",
  ERR_FETCH_TOO_LARGE: "the answer is larger than accepted",
  ERR_DISCOVERY_INVALID: "the OpenID discovery document is unusable",
  ERR_DISCOVERY_ISSUER_MISMATCH: "the discovery document names another issuer",
  ERR_IP_RANGES_INVALID: "the IP ranges feed is unusable",
  ERR_WORKSPACE_INVALID: "not a Bitbucket workspace slug or issuer",
  ERR_WORKSPACE_NOT_FOUND: "the emulator has no such workspace",

  // Policies (src/policy)
  ERR_POLICY_MALFORMED: "a policy document IAM would refuse (MalformedPolicyDocument)",

  // Calls to AWS
  ERR_STS_REFUSED: "STS refused or could not be reached; `stsCode` holds AWS's code",
  ERR_STS_RESPONSE: "STS answered without what it must send",
  ERR_EXCHANGE_TIMEOUT: "the exchange's overall time limit (--timeout) ran out before STS answered",
  ERR_AWS_REFUSED: "another AWS service refused; `actual` holds AWS's error name",
  ERR_AWS_CREDENTIALS: "no AWS credentials could be found",
  ERR_ACCOUNT_NOT_ALLOWED: "the credentials are for an account the user did not allow",
  ERR_STACK_BUSY: "the stack is in the middle of another operation",
  ERR_STACK_NOT_UPDATABLE: "the stack is in a state that cannot be updated",
  ERR_CHANGE_SET_FAILED: "CloudFormation could not create the change set",
  ERR_LOST_CONTACT:
    "CloudFormation could not be reached while an operation was followed; it may still be running",
  ERR_DEPLOY_DECLINED: "the changes were shown and not accepted at the prompt",
  ERR_LINT_ERRORS: "the template has error-level lint findings; deploy stops unless told otherwise",
  ERR_DEPLOY_FAILED: "a stack or StackSet operation of the deployment failed",

  // The emulator
  ERR_EMULATOR_HTTP: "the emulator's admin API answered an error without a code",
  ERR_STATE_CORRUPT: "a state file is damaged",
  ERR_STATE_VERSION: "the state was written by another version",
  ERR_STATE_LOCKED: "another emulator holds the state directory",
  ERR_STATE_FOREIGN: "the directory holds something other than emulator state",
  ERR_STATE_WRITE_FAILED: "the state could not be written",
  ERR_STATE_CLOSED: "the state store is closed",
  ERR_PORT_IN_USE: "a port the emulator is to listen on is taken, or not allowed",
  ERR_EMULATOR_STOP: "a running emulator could not be stopped",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

/** `expected`/`actual` of the codes whose details callers read (as aws-jwt-verify reports checks). */
export interface CheckDetails {
  ERR_TOKEN_TOO_LARGE: { expected: number; actual: number };
  ERR_ALG_NOT_ALLOWED: { expected: string[]; actual: string };
  ERR_TOKEN_EXPIRED: {
    expected: { exp: number; graceSeconds: number };
    actual: { now: number; secondsPastExp: number };
  };
  ERR_TOKEN_NOT_YET_VALID: {
    expected: { claim: "nbf" | "iat"; at: number; graceSeconds: number };
    actual: { now: number; secondsEarly: number };
  };
  ERR_CLAIM_MISSING: { expected: { claim: string }; actual: unknown };
  ERR_ISSUER_MISMATCH: { expected: string; actual: unknown };
  ERR_AUDIENCE_MISMATCH: { expected: string[]; actual: unknown };
  ERR_KEY_TOO_SMALL: { expected: { minBits: number }; actual: { bits: number } };
}

type DetailsOf<C extends ErrorCode> = C extends keyof CheckDetails
  ? CheckDetails[C]
  : { expected?: unknown; actual?: unknown };

export type ErrorDetails<C extends ErrorCode = ErrorCode> = Partial<DetailsOf<C>> & {
  hint?: string;
  cause?: unknown;
};

export class BbOidcError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly expected?: DetailsOf<C>["expected"];
  readonly actual?: DetailsOf<C>["actual"];
  readonly hint?: string;

  constructor(code: C, message: string, details: ErrorDetails<C> = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    if ("expected" in details) this.expected = details.expected;
    if ("actual" in details) this.actual = details.actual;
    if (details.hint !== undefined) this.hint = details.hint;
  }

  /** Whether this error has `code`, narrowing `expected`/`actual` to that code's details. */
  is<K extends ErrorCode>(code: K): this is BbOidcError<K> {
    return (this.code as ErrorCode) === code;
  }
}

/** Whether `err` is one of ours with this code (narrowed to its details). */
export function hasCode<K extends ErrorCode>(err: unknown, code: K): err is BbOidcError<K> {
  return err instanceof BbOidcError && err.code === code;
}

/** The user gave something unusable: a flag, a file, a value. The CLI exits 2. */
export class InputError extends BbOidcError<"ERR_INPUT"> {
  constructor(message: string, details: ErrorDetails<"ERR_INPUT"> = {}) {
    super("ERR_INPUT", message, details);
  }
}

/**
 * An IAM policy document IAM would refuse. `message` says what is wrong and what would be right,
 * at `path` (a JSON path such as `$.Statement[0].Condition`); `awsMessage` is the text IAM itself
 * answers with MalformedPolicyDocument (src/policy/iam-texts.ts), which is terse.
 */
export class PolicyError extends BbOidcError<"ERR_POLICY_MALFORMED"> {
  readonly path: string;
  readonly awsMessage: string;
  constructor(
    message: string,
    path: string,
    details: ErrorDetails<"ERR_POLICY_MALFORMED"> & { awsMessage?: string } = {},
  ) {
    const { awsMessage, ...rest } = details;
    super("ERR_POLICY_MALFORMED", `${message} (at ${path})`, rest);
    this.path = path;
    this.awsMessage = awsMessage ?? SYNTAX_ERRORS;
  }
}

/** IAM's answer to most malformed documents (docs/aws-behaviour.md, "IAM policies"). */
const SYNTAX_ERRORS = "Syntax errors in policy.";

/** The codes a token check fails with (src/oidc). */
export type TokenErrorCode =
  | "ERR_TOKEN_MALFORMED"
  | "ERR_TOKEN_TOO_LARGE"
  | "ERR_ALG_NOT_ALLOWED"
  | "ERR_CRIT_UNSUPPORTED"
  | "ERR_KEY_NOT_FOUND"
  | "ERR_KEY_TOO_SMALL"
  | "ERR_SIGNATURE_INVALID"
  | "ERR_TOKEN_EXPIRED"
  | "ERR_TOKEN_NOT_YET_VALID"
  | "ERR_ISSUER_MISMATCH"
  | "ERR_ISSUER_NOT_PINNED"
  | "ERR_AUDIENCE_MISMATCH"
  | "ERR_CLAIM_MISSING"
  | "ERR_JWKS_INVALID";

/** A token failed a check. */
export class TokenError<C extends TokenErrorCode = TokenErrorCode> extends BbOidcError<C> {}

/** The codes a fetch of discovery documents, keys or feeds fails with. */
export type FetchErrorCode =
  | "ERR_FETCH_NETWORK"
  | "ERR_FETCH_TIMEOUT"
  | "ERR_FETCH_TLS"
  | "ERR_FETCH_HTTP_STATUS"
  | "ERR_FETCH_BAD_JSON"
  | "ERR_FETCH_NOT_HTTPS"
  | "ERR_FETCH_TOO_LARGE"
  | "ERR_DISCOVERY_INVALID"
  | "ERR_DISCOVERY_ISSUER_MISMATCH"
  | "ERR_IP_RANGES_INVALID"
  | "ERR_WORKSPACE_INVALID"
  | "ERR_JWKS_INVALID";

/** Fetching discovery documents, keys or feeds failed; `url` is what was fetched. */
export class FetchError<C extends FetchErrorCode = FetchErrorCode> extends BbOidcError<C> {
  readonly url: string;
  constructor(code: C, message: string, url: string, details: ErrorDetails<C> = {}) {
    super(code, message, details);
    this.url = url;
  }
}
