import {
  ALLOWED_ALGORITHMS,
  base64UrlBitLength,
  type Jwk,
  MIN_RSA_BITS,
  parseJwks,
} from "../oidc/index.js";
import type { DiscoverWarning, KeyFacts } from "./types.js";

// One limit and one measure for discover and the verifier (src/oidc/keys.ts).
export { base64UrlBitLength, MIN_RSA_BITS };

/** What a person needs to know about one published key: never its material. */
export function describeJwk(jwk: Jwk): KeyFacts {
  const facts: KeyFacts = { kty: jwk.kty };
  if (typeof jwk.kid === "string") facts.kid = jwk.kid;
  if (typeof jwk.alg === "string") facts.alg = jwk.alg;
  if (typeof jwk.use === "string") facts.use = jwk.use;
  if (jwk.kty === "RSA" && typeof jwk.n === "string") facts.bits = base64UrlBitLength(jwk.n);
  if ((jwk.kty === "EC" || jwk.kty === "OKP") && typeof jwk.crv === "string") facts.curve = jwk.crv;
  return facts;
}

/** Parses a fetched JWKS into key facts and warnings; `null` when it is not a JWKS at all. */
export function summarizeJwks(
  value: unknown,
  url: string,
): { keys: KeyFacts[]; warnings: DiscoverWarning[] } | null {
  const jwks = parseJwks(value);
  if (!jwks) return null;
  const keys = jwks.keys.map(describeJwk);
  const warnings: DiscoverWarning[] = [];
  if (keys.length === 0) {
    warnings.push({
      code: "NO_KEYS",
      message: `${url} publishes no keys: STS could not verify any token of this issuer`,
    });
  }
  for (const k of keys) {
    const name = k.kid === undefined ? `a ${k.kty} key` : `key ${JSON.stringify(k.kid)}`;
    if (k.kty === "oct") {
      warnings.push({
        code: "KEY_SYMMETRIC",
        message: `${url} publishes ${name} of type oct (a shared secret); STS accepts only RSA and EC signatures`,
      });
      continue;
    }
    if (k.kid === undefined && keys.length > 1) {
      warnings.push({
        code: "KEY_WITHOUT_KID",
        message: `${url} publishes ${name} without a kid next to other keys; tokens cannot name it`,
      });
    }
    if (k.alg !== undefined && !(ALLOWED_ALGORITHMS as readonly string[]).includes(k.alg)) {
      warnings.push({
        code: "KEY_ALG_NOT_ACCEPTED",
        message: `${name} is for ${k.alg}; STS accepts ${ALLOWED_ALGORITHMS.join(", ")}`,
      });
    }
    if (k.bits !== undefined && k.bits < MIN_RSA_BITS) {
      warnings.push({
        code: "KEY_TOO_SMALL",
        message: `${name} is a ${k.bits}-bit RSA key; use at least ${MIN_RSA_BITS} bits`,
      });
    }
  }
  return { keys, warnings };
}
