/**
 * One small error hierarchy for the whole project. `code` is stable (tests and callers branch on
 * it); `expected`/`actual` describe a failed check; `hint` says what to do next.
 */
export interface ErrorDetails {
  expected?: unknown;
  actual?: unknown;
  hint?: string;
  cause?: unknown;
}

export class BbOidcError extends Error {
  readonly code: string;
  readonly expected?: unknown;
  readonly actual?: unknown;
  readonly hint?: string;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    if ("expected" in details) this.expected = details.expected;
    if ("actual" in details) this.actual = details.actual;
    if (details.hint !== undefined) this.hint = details.hint;
  }
}

/** The user gave something unusable: a flag, a file, a value. The CLI exits 2. */
export class InputError extends BbOidcError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("ERR_INPUT", message, details);
  }
}

/** An IAM policy document IAM would refuse; `path` is a JSON path such as `$.Statement[0].Condition`. */
export class PolicyError extends BbOidcError {
  readonly path: string;
  constructor(message: string, path: string, details: ErrorDetails = {}) {
    super("MalformedPolicyDocument", `${message} (at ${path})`, details);
    this.path = path;
  }
}

/**
 * A token failed a check. Codes:
 * ERR_TOKEN_MALFORMED, ERR_TOKEN_TOO_LARGE, ERR_ALG_NOT_ALLOWED, ERR_CRIT_UNSUPPORTED,
 * ERR_KEY_NOT_FOUND (no key with that kid, or keys unreachable), ERR_SIGNATURE_INVALID,
 * ERR_TOKEN_EXPIRED, ERR_TOKEN_NOT_YET_VALID, ERR_ISSUER_MISMATCH, ERR_AUDIENCE_MISMATCH,
 * ERR_CLAIM_MISSING, ERR_JWKS_INVALID.
 */
export class TokenError extends BbOidcError {}

/** Fetching discovery documents or keys failed: ERR_FETCH_NETWORK, _TIMEOUT, _TLS, _HTTP_STATUS, _BAD_JSON, _NOT_HTTPS, _TOO_LARGE, ERR_DISCOVERY_*. */
export class FetchError extends BbOidcError {
  readonly url: string;
  constructor(code: string, message: string, url: string, details: ErrorDetails = {}) {
    super(code, message, details);
    this.url = url;
  }
}
