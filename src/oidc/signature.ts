import { createVerify, KeyObject } from "node:crypto";
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

/** Each key as node:crypto wants it, with its type read once (the getter crosses into C++). */
const keyObjects = new WeakMap<object, { key: KeyObject; type: string | undefined }>();

function toKeyObject(key: VerificationKey): { key: KeyObject; type: string | undefined } {
  let k = keyObjects.get(key);
  if (!k) {
    const keyObject = key instanceof KeyObject ? key : KeyObject.from(key);
    k = { key: keyObject, type: keyObject.asymmetricKeyType };
    keyObjects.set(key, k);
  }
  return k;
}

/** One signature check, ready for node:crypto: on this thread or another (the emulator's). */
export interface PreparedSignatureCheck {
  hash: string;
  key: KeyObject;
  /** ECDSA in JWS is the raw r||s concatenation (IEEE P1363), not DER. */
  ec: boolean;
  signingInput: string;
  /** The bytes, or base64url. */
  signature: string | Uint8Array;
}

/**
 * Where the signature arithmetic of a verification runs. The default is this thread
 * (`signatureValid`); a server may hand it to a worker thread (`SignatureOptions.checkSignature`).
 */
export type SignatureChecker = (
  alg: AllowedAlgorithm,
  key: VerificationKey,
  signingInput: string,
  signature: string | Uint8Array,
) => boolean | Promise<boolean>;

/** The check to run, or undefined when the key cannot be of this `alg` (never valid). */
export function prepareSignatureCheck(
  alg: AllowedAlgorithm,
  key: VerificationKey,
  signingInput: string,
  signature: string | Uint8Array,
): PreparedSignatureCheck | undefined {
  const k = toKeyObject(key);
  const ec = alg.charCodeAt(0) !== 0x52; /* R */
  if (k.type !== (ec ? "ec" : "rsa")) return undefined;
  return { hash: HASH[alg], key: k.key, ec, signingInput, signature };
}

/**
 * The check itself. It refers to nothing outside its parameters (node:crypto comes in as one), so
 * the emulator's worker thread runs this very function from its source text.
 */
export function runSignatureCheck(
  c: PreparedSignatureCheck,
  crypto: { createVerify: typeof createVerify } = { createVerify },
): boolean {
  const sig = typeof c.signature === "string" ? Buffer.from(c.signature, "base64url") : c.signature;
  // createVerify, not the one-shot verify: on Node 20 the one-shot form costs ~2 µs more per
  // call, a tenth of an RS256 check.
  return crypto
    .createVerify(c.hash)
    .update(c.signingInput)
    .verify(c.ec ? { key: c.key, dsaEncoding: "ieee-p1363" } : c.key, sig);
}

/** True when `signature` (its bytes, or base64url) signs `signingInput` under `key` with `alg`. */
export function signatureValid(
  alg: AllowedAlgorithm,
  key: VerificationKey,
  signingInput: string,
  signature: string | Uint8Array,
): boolean {
  const c = prepareSignatureCheck(alg, key, signingInput, signature);
  return c !== undefined && runSignatureCheck(c);
}
