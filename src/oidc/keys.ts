import type { KeyObject } from "node:crypto";
import { importJWK } from "jose";
import { FetchError, InputError, TokenError } from "../errors.js";
import { fetchDiscovery } from "./discovery.js";
import { DEFAULT_FETCH_TIMEOUT_MS, type JsonFetcher } from "./fetcher.js";

/** What a resolver needs from the token header. */
export interface KeyHeader {
  alg: string;
  kid?: string;
}

export type VerificationKey = CryptoKey | KeyObject;

/**
 * Finds the public key for a token. Throws `TokenError` `ERR_KEY_NOT_FOUND` when there is no
 * suitable key or the keys cannot be fetched (the fetch error is the `cause`).
 */
export interface KeyResolver {
  getKey(issuer: string, header: KeyHeader): Promise<VerificationKey>;
}

export interface Jwk {
  kty: string;
  kid?: string;
  use?: string;
  alg?: string;
  key_ops?: string[];
  crv?: string;
  [member: string]: unknown;
}

export interface Jwks {
  keys: Jwk[];
}

/**
 * Checks the shape `{ keys: [ { kty, … } ] }`. Entries that are not objects with a string `kty`
 * are dropped (RFC 7517 §5: ignore JWKs you cannot use). Returns `null` when the shape is wrong.
 */
export function parseJwks(value: unknown): Jwks | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return null;
  return {
    keys: keys.filter(
      (k): k is Jwk =>
        k !== null && typeof k === "object" && !Array.isArray(k) && typeof k.kty === "string",
    ),
  };
}

const EC_CURVES: Record<string, string> = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };

/** Can this JWK verify a signature made with `alg`? (kty/crv family, `use`, `alg`, `key_ops`.) */
export function isKeyCompatible(jwk: Jwk, alg: string): boolean {
  if (jwk.use !== undefined && jwk.use !== "sig") return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (
    jwk.key_ops !== undefined &&
    !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))
  ) {
    return false;
  }
  if (/^RS(256|384|512)$/.test(alg)) return jwk.kty === "RSA";
  const crv = EC_CURVES[alg];
  if (crv) return jwk.kty === "EC" && jwk.crv === crv;
  return false;
}

export type KeySelection =
  | { found: Jwk }
  | { found?: undefined; reason: "unknown-kid" | "no-suitable-key" | "ambiguous" | "incompatible" };

/**
 * Chooses the key for a header: by `kid` (the first compatible key with that kid); without a kid,
 * the only compatible key, if there is exactly one.
 */
export function selectKey(jwks: Jwks, header: KeyHeader): KeySelection {
  if (header.kid !== undefined) {
    const sameKid = jwks.keys.filter((k) => k.kid === header.kid);
    if (sameKid.length === 0) return { reason: "unknown-kid" };
    const ok = sameKid.find((k) => isKeyCompatible(k, header.alg));
    return ok ? { found: ok } : { reason: "incompatible" };
  }
  const ok = jwks.keys.filter((k) => isKeyCompatible(k, header.alg));
  if (ok.length === 1) return { found: ok[0]! };
  return ok.length === 0 ? { reason: "no-suitable-key" } : { reason: "ambiguous" };
}

function describe(header: KeyHeader): string {
  return header.kid === undefined
    ? `a ${header.alg} key (token has no kid)`
    : `key kid=${JSON.stringify(header.kid)} for ${header.alg}`;
}

function selectionError(
  issuer: string,
  header: KeyHeader,
  reason: string,
  extra: { cause?: unknown; note?: string } = {},
): TokenError {
  const why: Record<string, string> = {
    "unknown-kid": "no key with that kid",
    "no-suitable-key": "no key suitable for that algorithm",
    ambiguous: "several keys fit and the token names no kid",
    incompatible: "the key with that kid does not fit the algorithm (kty/crv/use/alg/key_ops)",
    unreachable: "the keys could not be fetched",
  };
  // Why a fetch failed (DNS, TLS, a proxy's refusal) is what the reader needs to act on.
  const note =
    extra.note ??
    (extra.cause instanceof Error && reason === "unreachable" ? extra.cause.message : undefined);
  return new TokenError(
    "ERR_KEY_NOT_FOUND",
    `cannot find ${describe(header)} for issuer ${issuer}: ${why[reason] ?? reason}${note ? ` (${note})` : ""}`,
    {
      expected: { kid: header.kid, alg: header.alg },
      actual: reason,
      ...(extra.cause === undefined ? {} : { cause: extra.cause }),
      hint:
        reason === "unreachable"
          ? "check that the issuer's discovery document and jwks_uri are reachable over https"
          : "the token was signed with a key the issuer does not publish (rotated, or another issuer)",
    },
  );
}

/** Imports only the public members of a JWK, so a JWKS carrying private parts is harmless. */
function publicJwk(jwk: Jwk): Record<string, unknown> {
  if (jwk.kty === "RSA") return { kty: "RSA", n: jwk.n, e: jwk.e };
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

/**
 * RSA keys shorter than this are refused: RFC 7518 §3.3 requires 2048 bits for RS256/384/512,
 * and STS refuses what the RFC refuses (docs/aws-behaviour.md, "RSA key size").
 */
export const MIN_RSA_BITS = 2048;

/** Bit length of a base64url big-endian unsigned integer (an RSA modulus `n`). */
export function base64UrlBitLength(value: string): number {
  const bytes = Buffer.from(value, "base64url");
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** Bits of an RSA JWK's modulus. */
export function rsaModulusBits(jwk: Jwk): number {
  return typeof jwk.n === "string" ? base64UrlBitLength(jwk.n) : 0;
}

const imported = new WeakMap<Jwk, Map<string, Promise<VerificationKey>>>();

async function importKey(issuer: string, header: KeyHeader, jwk: Jwk): Promise<VerificationKey> {
  if (jwk.kty === "RSA") {
    const bits = rsaModulusBits(jwk);
    if (bits < MIN_RSA_BITS) {
      throw new TokenError(
        "ERR_KEY_TOO_SMALL",
        `the ${describe(header)} of issuer ${issuer} is a ${bits}-bit RSA key; STS accepts RSA keys of ${MIN_RSA_BITS} bits or more`,
        {
          expected: { minBits: MIN_RSA_BITS },
          actual: { bits },
          hint: "the issuer must sign with a 2048-bit (or larger) RSA key, or an EC key",
        },
      );
    }
  }
  let byAlg = imported.get(jwk);
  if (!byAlg) {
    byAlg = new Map();
    imported.set(jwk, byAlg);
  }
  let p = byAlg.get(header.alg);
  if (!p) {
    p = importJWK(publicJwk(jwk), header.alg) as Promise<VerificationKey>;
    byAlg.set(header.alg, p);
  }
  try {
    return await p;
  } catch (e) {
    byAlg.delete(header.alg);
    throw selectionError(issuer, header, "incompatible", { cause: e, note: "key import failed" });
  }
}

/** A fixed JWKS, e.g. a file the user gave. Serves any issuer unless `issuer` is set. */
export class StaticJwks implements KeyResolver {
  readonly jwks: Jwks;
  readonly issuer?: string;

  constructor(jwks: unknown, opts: { issuer?: string } = {}) {
    const parsed = parseJwks(jwks);
    if (!parsed) {
      throw new InputError('a JWKS must be a JSON object {"keys": [ … ]}', {
        expected: '{"keys": [ … ]}',
      });
    }
    this.jwks = parsed;
    if (opts.issuer !== undefined) this.issuer = opts.issuer;
  }

  async getKey(issuer: string, header: KeyHeader): Promise<VerificationKey> {
    if (this.issuer !== undefined && issuer !== this.issuer) {
      throw selectionError(issuer, header, `these keys belong to ${this.issuer}`);
    }
    const sel = selectKey(this.jwks, header);
    if (!sel.found) throw selectionError(issuer, header, sel.reason);
    return importKey(issuer, header, sel.found);
  }
}

export interface JwksCacheOptions {
  fetcher: JsonFetcher;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Keys older than this are refetched before use and never served. Default 10 min. */
  maxAgeMs?: number;
  /** No refetch for an unknown kid (or after a failed fetch) within this time of the last fetch. Default 30 s. */
  cooldownMs?: number;
  /** Per-request timeout. Default 5 s. */
  timeoutMs?: number;
}

interface CacheEntry {
  jwks?: Jwks;
  jwksUri?: string;
  /** When the current `jwks` were obtained (fetched or primed). */
  fetchedAt?: number;
  /** When the last fetch started (success or failure). */
  lastAttemptAt?: number;
  lastError?: unknown;
  inflight?: Promise<Jwks>;
}

export const DEFAULT_JWKS_MAX_AGE_MS = 10 * 60 * 1000;
export const DEFAULT_JWKS_COOLDOWN_MS = 30 * 1000;

/**
 * Per-issuer key cache: discovery → `jwks_uri` → JWKS.
 * - keys older than `maxAgeMs` are refetched before use;
 * - an unknown kid triggers a refetch unless the last fetch began less than `cooldownMs` ago;
 * - concurrent fetches for one issuer share one in-flight promise;
 * - a failed refetch keeps the last good keys (until they reach `maxAgeMs`); a failed fetch is
 *   not retried within the cooldown (its error is the `cause` of `ERR_KEY_NOT_FOUND`).
 *
 * Keys are looked up for the issuer the caller names: never pass an unverified token's `iss`
 * here unless every issuer the fetcher can reach is acceptable (`verifyToken` with `issuer` set
 * does the right thing).
 */
export class JwksCache implements KeyResolver {
  private readonly fetcher: JsonFetcher;
  private readonly now: () => number;
  readonly maxAgeMs: number;
  readonly cooldownMs: number;
  readonly timeoutMs: number;
  private readonly entries = new Map<string, CacheEntry>();

  constructor(opts: JwksCacheOptions) {
    this.fetcher = opts.fetcher;
    this.now = opts.now ?? Date.now;
    this.maxAgeMs = opts.maxAgeMs ?? DEFAULT_JWKS_MAX_AGE_MS;
    this.cooldownMs = opts.cooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  }

  /** Preloads keys for an issuer as if just fetched (does not start a cooldown). */
  prime(issuer: string, jwks: unknown): void {
    const parsed = parseJwks(jwks);
    if (!parsed) throw new InputError('a JWKS must be a JSON object {"keys": [ … ]}');
    const e = this.entry(issuer);
    e.jwks = parsed;
    e.fetchedAt = this.now();
  }

  /** What is cached for an issuer (for diagnostics and the thumbprint check). */
  peek(issuer: string): { jwks?: Jwks; jwksUri?: string; fetchedAt?: number } | undefined {
    const e = this.entries.get(issuer);
    if (!e) return undefined;
    return { jwks: e.jwks, jwksUri: e.jwksUri, fetchedAt: e.fetchedAt };
  }

  /** Fetches now (joining a fetch already in flight). Rejects with the `FetchError`. */
  refresh(issuer: string): Promise<Jwks> {
    const e = this.entry(issuer);
    if (e.inflight) return e.inflight;
    e.lastAttemptAt = this.now();
    const p = this.load(issuer)
      .then(({ jwks, jwksUri }) => {
        e.jwks = jwks;
        e.jwksUri = jwksUri;
        e.fetchedAt = this.now();
        e.lastError = undefined;
        return jwks;
      })
      .catch((err: unknown) => {
        e.lastError = err;
        throw err;
      })
      .finally(() => {
        e.inflight = undefined;
      });
    e.inflight = p;
    return p;
  }

  async getKey(issuer: string, header: KeyHeader): Promise<VerificationKey> {
    const e = this.entry(issuer);
    let refetched = false;
    if (e.inflight) {
      await e.inflight.catch(() => undefined);
      refetched = true;
    }
    if (!this.isFresh(e)) {
      await this.fetchOrThrow(issuer, header, e, "unreachable");
      refetched = true;
    }
    let sel = selectKey(e.jwks!, header);
    if (!sel.found && (sel.reason === "unknown-kid" || sel.reason === "no-suitable-key")) {
      if (refetched) throw selectionError(issuer, header, sel.reason);
      if (this.inCooldown(e)) {
        throw selectionError(issuer, header, sel.reason, {
          note: `keys were fetched less than ${this.cooldownMs} ms ago; not refetching`,
        });
      }
      await this.fetchOrThrow(issuer, header, e, sel.reason, true);
      if (!this.isFresh(e)) throw selectionError(issuer, header, "unreachable");
      sel = selectKey(e.jwks!, header);
    }
    if (!sel.found) throw selectionError(issuer, header, sel.reason);
    return importKey(issuer, header, sel.found);
  }

  private entry(issuer: string): CacheEntry {
    let e = this.entries.get(issuer);
    if (!e) {
      e = {};
      this.entries.set(issuer, e);
    }
    return e;
  }

  private isFresh(e: CacheEntry): boolean {
    return (
      e.jwks !== undefined && e.fetchedAt !== undefined && this.now() - e.fetchedAt < this.maxAgeMs
    );
  }

  private inCooldown(e: CacheEntry): boolean {
    return e.lastAttemptAt !== undefined && this.now() - e.lastAttemptAt < this.cooldownMs;
  }

  private async fetchOrThrow(
    issuer: string,
    header: KeyHeader,
    e: CacheEntry,
    reason: string,
    keepOld = false,
  ): Promise<void> {
    if (e.inflight) {
      await e.inflight.catch(() => undefined);
    } else if (e.lastError !== undefined && this.inCooldown(e)) {
      // A fetch failed moments ago: do not hammer the issuer.
    } else {
      try {
        await this.refresh(issuer);
        return;
      } catch {
        // reported below
      }
    }
    if (e.lastError !== undefined) {
      throw selectionError(issuer, header, keepOld ? reason : "unreachable", {
        cause: e.lastError,
        note: keepOld ? "refetching the keys failed" : undefined,
      });
    }
  }

  private async load(issuer: string): Promise<{ jwks: Jwks; jwksUri: string }> {
    const discovery = await fetchDiscovery(issuer, this.fetcher, { timeoutMs: this.timeoutMs });
    const jwksUri = discovery.jwks_uri;
    const raw = await this.fetcher(jwksUri, { timeoutMs: this.timeoutMs });
    const jwks = parseJwks(raw);
    if (!jwks) {
      throw new FetchError(
        "ERR_JWKS_INVALID",
        `${jwksUri} is not a JWKS ({"keys": [ … ]})`,
        jwksUri,
        {
          expected: '{"keys": [ … ]}',
        },
      );
    }
    return { jwks, jwksUri };
  }
}
