import { TokenError } from "../errors.js";
import { matchAudience } from "./audience.js";
import {
  compactToken,
  DEFAULT_EXP_GRACE_SECONDS,
  type DecodedToken,
  type JoseHeader,
  type JwtClaims,
  type SplitToken,
  splitToken,
} from "./decode.js";
import type { KeyResolver, VerificationKey } from "./keys.js";
import { type SignatureChecker, signatureValid } from "./signature.js";

/** What STS accepts: RSA PKCS#1 v1.5 and ECDSA; never `none`, never HMAC, never PSS. */
export const ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"] as const;
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

export { DEFAULT_EXP_GRACE_SECONDS } from "./decode.js";

/** `crit` header parameters this verifier understands: none. */
export const UNDERSTOOD_CRIT: readonly string[] = [];

export interface SignatureOptions {
  keys: KeyResolver;
  /**
   * The issuer whose keys to use. When omitted the token's own (unverified) `iss` chooses the
   * keys: only do that with a resolver restricted to issuers you trust (e.g. `StaticJwks`).
   */
  issuer?: string;
  /**
   * Where the signature arithmetic runs; default this thread. The emulator passes a worker
   * thread's, so its event loop keeps serving HTTP meanwhile. Every other step is the same.
   */
  checkSignature?: SignatureChecker;
}

export interface ClaimOptions {
  /** Exact string comparison with `iss`. Omit to skip. */
  issuer?: string;
  /** The token `aud` must contain one of these. Omitted: only its shape is checked. */
  audience?: string | string[];
  /** Epoch seconds. */
  now: number;
  /** Seconds accepted past `exp` (and ahead for `nbf`/`iat`). Default 300. */
  expGraceSeconds?: number;
}

export interface VerifyOptions extends SignatureOptions, ClaimOptions {}

export interface VerifiedToken extends DecodedToken {
  header: JoseHeader & { alg: AllowedAlgorithm };
  /** The entry of `audience` that the token's `aud` contained (STS's `<provider>:aud` value). */
  matchedAudience?: string;
}

function isAllowedAlg(alg: string): alg is AllowedAlgorithm {
  return (ALLOWED_ALGORITHMS as readonly string[]).includes(alg);
}

/** Step 2: `alg` must be allowed; every `crit` entry must be understood (none is). */
export function checkHeader(header: JoseHeader): asserts header is JoseHeader & {
  alg: AllowedAlgorithm;
} {
  if (!isAllowedAlg(header.alg)) {
    throw new TokenError(
      "ERR_ALG_NOT_ALLOWED",
      `token algorithm ${JSON.stringify(header.alg)} is not accepted; STS accepts ${ALLOWED_ALGORITHMS.join(", ")}`,
      { expected: [...ALLOWED_ALGORITHMS], actual: header.alg },
    );
  }
  if (header.crit !== undefined) {
    if (
      !Array.isArray(header.crit) ||
      header.crit.length === 0 ||
      !header.crit.every((c) => typeof c === "string")
    ) {
      throw new TokenError(
        "ERR_TOKEN_MALFORMED",
        "token header crit must be a non-empty array of strings",
        {
          actual: header.crit,
        },
      );
    }
    const unknown = header.crit.filter((c) => !UNDERSTOOD_CRIT.includes(c as string));
    if (unknown.length > 0) {
      throw new TokenError(
        "ERR_CRIT_UNSUPPORTED",
        `token header marks ${unknown.map((c) => JSON.stringify(c)).join(", ")} critical, which is not understood`,
        { expected: [...UNDERSTOOD_CRIT], actual: header.crit },
      );
    }
  }
}

/**
 * Steps 1–4: size/shape → alg/crit → key → signature. No claim is checked. `jku`, `x5u`, `jwk`
 * and `x5c` header parameters are ignored: keys come only from `opts.keys`.
 *
 * This is the half the STS emulation uses: it looks the provider up by the (unverified) `iss`,
 * passes `issuer` = the provider's issuer and that provider's key resolver, then checks claims in
 * AWS's order with the `check*` functions below.
 */
export async function verifySignatureOnly(
  token: string,
  opts: SignatureOptions,
  /** The same token already decoded by the caller, to save decoding it twice. */
  decoded: DecodedToken = splitToken(token),
): Promise<DecodedToken & { header: JoseHeader & { alg: AllowedAlgorithm } }> {
  const pending = verifySignatureNow(token, opts, decoded);
  if (pending !== undefined) await pending;
  return decoded as DecodedToken & { header: JoseHeader & { alg: AllowedAlgorithm } };
}

/**
 * `verifySignatureOnly` without an asynchronous hop when none is needed: undefined when the
 * signature checked out here and now (the key was at hand and the check ran on this thread), a
 * promise when a key had to be fetched or the check runs elsewhere. Throws (or rejects with)
 * `TokenError` as `verifySignatureOnly` does.
 */
export function verifySignatureNow(
  token: string,
  opts: SignatureOptions,
  decoded: DecodedToken,
): Promise<void> | undefined {
  const { header, claims } = decoded;
  checkHeader(header);
  let issuer = opts.issuer;
  if (issuer === undefined) {
    if (typeof claims.iss !== "string") {
      throw new TokenError("ERR_CLAIM_MISSING", "token has no iss claim to choose keys by", {
        expected: { claim: "iss" },
        actual: claims.iss,
      });
    }
    issuer = claims.iss;
  }
  const keyHeader =
    header.kid === undefined ? { alg: header.alg } : { alg: header.alg, kid: header.kid };
  const signed = signedParts(token, decoded);
  const key = opts.keys.peekKey?.(issuer, keyHeader);
  if (key !== undefined) return checkWithKey(signed, header.alg, key, opts.checkSignature);
  return opts.keys
    .getKey(issuer, keyHeader)
    .then((k) => checkWithKey(signed, header.alg, k, opts.checkSignature));
}

type SignedParts = Pick<SplitToken, "signingInput"> & { signature: string | Uint8Array };

/** What the signature covers and the signature: kept by `splitToken`, else cut from the token. */
function signedParts(token: string, decoded: DecodedToken | SplitToken): SignedParts {
  if ("signingInput" in decoded) return decoded;
  const compact = compactToken(token);
  const lastDot = compact.lastIndexOf(".");
  return { signingInput: compact.slice(0, lastDot), signature: compact.slice(lastDot + 1) };
}

/** The signature under `key`: undefined when valid now, a promise when checked elsewhere. */
function checkWithKey(
  signed: SignedParts,
  alg: AllowedAlgorithm,
  key: VerificationKey,
  checker: SignatureChecker = signatureValid,
): Promise<void> | undefined {
  let checked: boolean | Promise<boolean>;
  try {
    checked = checker(alg, key, signed.signingInput, signed.signature);
  } catch (e) {
    throw unverifiable(e);
  }
  // An inline answer is not awaited: a decision is a few microseconds, and each await is one.
  if (typeof checked === "boolean") {
    if (!checked) throw badSignature();
    return undefined;
  }
  return checked.then(
    (valid) => {
      if (!valid) throw badSignature();
    },
    (e: unknown) => {
      throw unverifiable(e);
    },
  );
}

function unverifiable(e: unknown): TokenError {
  return new TokenError(
    "ERR_SIGNATURE_INVALID",
    `token signature could not be verified: ${(e as Error).message}`,
    { cause: e, hint: "the token was altered, or signed by someone other than the issuer" },
  );
}

function badSignature(): TokenError {
  return new TokenError(
    "ERR_SIGNATURE_INVALID",
    "token signature does not verify with the issuer's key",
    {
      hint: "the token was altered, or signed by someone other than the issuer",
    },
  );
}

function claimMissing(name: string): TokenError {
  return new TokenError("ERR_CLAIM_MISSING", `token has no ${name} claim`, {
    expected: { claim: name },
    actual: undefined,
  });
}

function numericClaim(claims: JwtClaims, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TokenError("ERR_TOKEN_MALFORMED", `claim ${name} must be a number of seconds`, {
      actual: v,
    });
  }
  return v;
}

/** `iss` must equal `issuer` exactly. */
export function checkIssuer(claims: JwtClaims, issuer: string): void {
  if (claims.iss === undefined) throw claimMissing("iss");
  if (claims.iss !== issuer) {
    throw new TokenError(
      "ERR_ISSUER_MISMATCH",
      `token issuer ${JSON.stringify(claims.iss)} is not ${JSON.stringify(issuer)}`,
      {
        expected: issuer,
        actual: claims.iss,
        hint: "issuers are compared exactly (case, trailing slash)",
      },
    );
  }
}

/**
 * `exp` is required; refused when more than `graceSeconds` in the past (`now > exp + grace`).
 * `expected: { exp, graceSeconds }`, `actual: { now, secondsPastExp }`.
 */
export function checkExpiry(
  claims: JwtClaims,
  now: number,
  graceSeconds = DEFAULT_EXP_GRACE_SECONDS,
): void {
  const exp = numericClaim(claims, "exp");
  if (exp === undefined) throw claimMissing("exp");
  if (now > exp + graceSeconds) {
    const secondsPastExp = now - exp;
    throw new TokenError(
      "ERR_TOKEN_EXPIRED",
      `token expired: now ${now} is ${secondsPastExp} s past exp ${exp} (grace ${graceSeconds} s)`,
      {
        expected: { exp, graceSeconds },
        actual: { now, secondsPastExp },
        hint: "request a fresh token (Bitbucket issues one per step) and exchange it promptly",
      },
    );
  }
}

/**
 * ASSUMPTION (docs/aws-behaviour.md, "Condition keys and claims checks"): a token whose `nbf` or `iat` lies more
 * than `graceSeconds` in the future is refused with `ERR_TOKEN_NOT_YET_VALID`; absent claims pass.
 */
export function checkNotBefore(
  claims: JwtClaims,
  now: number,
  graceSeconds = DEFAULT_EXP_GRACE_SECONDS,
): void {
  for (const name of ["nbf", "iat"] as const) {
    const t = numericClaim(claims, name);
    if (t !== undefined && t > now + graceSeconds) {
      throw new TokenError(
        "ERR_TOKEN_NOT_YET_VALID",
        `token ${name} ${t} is ${t - now} s in the future (now ${now}, grace ${graceSeconds} s)`,
        {
          expected: { claim: name, at: t, graceSeconds },
          actual: { now, secondsEarly: t - now },
          hint: "check the clock of the machine that checks the token",
        },
      );
    }
  }
}

/**
 * `aud`, when present, must be a string or an array of strings (STS refuses anything else); with
 * `audience`, it must also be present and contain one of those values, and that value is returned
 * (STS's `<provider>:aud`). One matcher for `verify` and STS's decision (`matchAudience`).
 */
export function checkAudience(
  claims: JwtClaims,
  audience?: string | readonly string[],
): string | undefined {
  const wanted =
    audience === undefined ? undefined : typeof audience === "string" ? [audience] : audience;
  const m = matchAudience(claims.aud, wanted);
  if (typeof m === "string") return m;
  switch (m.miss) {
    case "missing":
      if (wanted === undefined) return undefined;
      throw claimMissing("aud");
    case "malformed":
      throw new TokenError(
        "ERR_TOKEN_MALFORMED",
        "claim aud must be a string or array of strings",
        {
          expected: "a string or an array of strings",
          actual: claims.aud,
        },
      );
    case "none":
      if (wanted === undefined) return undefined;
      throw new TokenError(
        "ERR_AUDIENCE_MISMATCH",
        `token audience ${JSON.stringify(claims.aud)} contains none of ${JSON.stringify(wanted)}`,
        {
          expected: [...wanted],
          actual: claims.aud,
          hint: "the provider's client ID list must contain the audience the step requests (Bitbucket's default is ari:cloud:bitbucket::workspace/<uuid>)",
        },
      );
  }
}

/** Claim checks in STS's order: iss → exp → nbf/iat → aud. */
export function checkClaims(claims: JwtClaims, opts: ClaimOptions): { matchedAudience?: string } {
  const grace = opts.expGraceSeconds ?? DEFAULT_EXP_GRACE_SECONDS;
  if (opts.issuer !== undefined) checkIssuer(claims, opts.issuer);
  checkExpiry(claims, opts.now, grace);
  checkNotBefore(claims, opts.now, grace);
  const matchedAudience = checkAudience(claims, opts.audience);
  return matchedAudience === undefined ? {} : { matchedAudience };
}

/**
 * Full verification: size/shape → alg/crit → key → signature → iss → exp → nbf → aud. Every
 * failure is a `TokenError` whose code maps to one STS error.
 */
export async function verifyToken(token: string, opts: VerifyOptions): Promise<VerifiedToken> {
  const { header, claims } = await verifySignatureOnly(token, opts);
  const { matchedAudience } = checkClaims(claims, opts);
  return matchedAudience === undefined ? { header, claims } : { header, claims, matchedAudience };
}
