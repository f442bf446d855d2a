import { createVerify, KeyObject, verify } from "node:crypto";
import type { VerificationKey } from "./keys.js";
import type { AllowedAlgorithm } from "./verify.js";

/**
 * The signature check itself, with node:crypto. jose (v6) verifies through WebCrypto, whose
 * asynchronous hop costs more than the RSA verification on Node 20: a decision took ~5× a raw
 * verify. Keys are still parsed and imported by jose; the JWS was decoded and its header checked
 * before this runs. The test suite cross-checks this against jose's compactVerify.
 */
const HASH: Record<AllowedAlgorithm, string> = {
  RS256: "sha256",
  RS384: "sha384",
  RS512: "sha512",
  ES256: "sha256",
  ES384: "sha384",
  ES512: "sha512",
};

const keyObjects = new WeakMap<object, KeyObject>();

function toKeyObject(key: VerificationKey): KeyObject {
  if (key instanceof KeyObject) return key;
  let k = keyObjects.get(key);
  if (!k) {
    k = KeyObject.from(key);
    keyObjects.set(key, k);
  }
  return k;
}

interface PreparedCheck {
  hash: string;
  data: Buffer;
  key: KeyObject | { key: KeyObject; dsaEncoding: "ieee-p1363" };
  signature: Buffer;
}

/** The arguments of node:crypto's verify, or undefined when the key cannot be of this `alg`. */
function prepare(
  alg: AllowedAlgorithm,
  key: VerificationKey,
  signingInput: string,
  signature: string,
): PreparedCheck | undefined {
  const keyObject = toKeyObject(key);
  const expectedType = alg.startsWith("RS") ? "rsa" : "ec";
  if (keyObject.asymmetricKeyType !== expectedType) return undefined;
  return {
    hash: HASH[alg],
    data: Buffer.from(signingInput),
    // ECDSA in JWS is the raw r||s concatenation (IEEE P1363), not DER.
    key: expectedType === "ec" ? { key: keyObject, dsaEncoding: "ieee-p1363" } : keyObject,
    signature: Buffer.from(signature, "base64url"),
  };
}

/** True when `signature` (base64url) signs `signingInput` under `key` with `alg`. */
export function signatureValid(
  alg: AllowedAlgorithm,
  key: VerificationKey,
  signingInput: string,
  signature: string,
): boolean {
  const c = prepare(alg, key, signingInput, signature);
  // createVerify, not the one-shot verify: on Node 20 the one-shot form costs ~2 µs more per
  // call, a tenth of an RS256 check.
  return c !== undefined && createVerify(c.hash).update(c.data).verify(c.key, c.signature);
}

/**
 * The same check on libuv's thread pool (node:crypto's verify with a callback). For a server
 * deciding many tokens at once: the event loop keeps reading and answering requests while the
 * RSA arithmetic runs on another core. A single decision is quicker inline (no thread hop).
 */
export function signatureValidOffThread(
  alg: AllowedAlgorithm,
  key: VerificationKey,
  signingInput: string,
  signature: string,
): Promise<boolean> {
  const c = prepare(alg, key, signingInput, signature);
  if (c === undefined) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    verify(c.hash, c.data, c.key, c.signature, (err, valid) => {
      if (err) reject(err);
      else resolve(valid);
    });
  });
}
