import { randomBytes } from "node:crypto";

/** Injected so tests can make identifiers deterministic. */
export type RandomSource = (size: number) => Buffer;

/** Bytes fetched from the CSPRNG at a time; requests of more than a quarter go direct. */
const POOL_BYTES = 8192;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `crypto.randomBytes`, served from a pool filled in bulk: one call into the CSPRNG per 8 KiB
 * rather than one per identifier (two per STS request). Each byte is handed out once; a refill
 * takes a new buffer, so a slice already returned is never overwritten or shared.
 */
export const defaultRandom: RandomSource = (n) => {
  if (n > POOL_BYTES / 4) return randomBytes(n);
  if (offset + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
};

// AWS key IDs and unique IDs use upper-case letters and digits 2–7 (base32's alphabet).
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function pick(alphabet: string, length: number, random: RandomSource): string {
  // Both alphabets have a power-of-two size, so a mask keeps the choice unbiased.
  const mask = alphabet.length - 1;
  const bytes = random(length);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! & mask];
  return out;
}

/** `AKIA…`/`ASIA…` keys are 20 characters; unique IDs (`AROA…`, `ANPA…`) are 21. */
export function awsId(prefix: string, random: RandomSource, length = 20): string {
  return prefix + pick(UPPER, length - prefix.length, random);
}

export function awsSecret(random: RandomSource): string {
  return pick(SECRET, 40, random);
}
