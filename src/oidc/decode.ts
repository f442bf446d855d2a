import { isUtf8 } from "node:buffer";
import { TokenError } from "../errors.js";

/**
 * AWS accepts a token up to 5 minutes after `exp`. Here, not in verify.ts, so that what only
 * decodes (a step's exchange) does not load the verifier and node:crypto with it.
 */
export const DEFAULT_EXP_GRACE_SECONDS = 300;

/** STS's limit on WebIdentityToken (characters). */
export const MAX_TOKEN_LENGTH = 20000;

/** The protected header of a compact JWS. Only `alg` is required here. */
export interface JoseHeader {
  alg: string;
  kid?: string;
  typ?: string;
  crit?: unknown;
  [parameter: string]: unknown;
}

export type JwtClaims = Record<string, unknown>;

export interface DecodedToken {
  header: JoseHeader;
  claims: JwtClaims;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function malformed(message: string, cause?: unknown): TokenError {
  return new TokenError("ERR_TOKEN_MALFORMED", message, cause === undefined ? {} : { cause });
}

/**
 * A segment's bytes, or undefined when it is not base64url (docs/aws-behaviour.md, "Token
 * bytes"). Node's decoder is lenient: it skips characters outside the alphabet, stops at "=",
 * takes "+" and "/" too, and reads a character above U+00FF by its low byte. So the check is on
 * its result: every character counted (the length: no unpadded base64url length ≡ 1 mod 4
 * exists, and each skipped character shortens the output) and neither of the standard
 * alphabet's two is present. The caller has refused characters above U+007F beforehand
 * (`isAscii`). This is the per-request path, where a regular expression over the ~350-character
 * signature cost more than decoding it.
 */
function base64urlBytes(segment: string): Buffer | undefined {
  const n = segment.length;
  if (n % 4 === 1 || segment.indexOf("+") !== -1 || segment.indexOf("/") !== -1) return undefined;
  const bytes = Buffer.from(segment, "base64url");
  return bytes.length === (n * 3) >> 2 ? bytes : undefined;
}

/** True when every character of `s` is ASCII (UTF-8 then has one byte per character). */
function isAscii(s: string): boolean {
  return Buffer.byteLength(s, "utf8") === s.length;
}

/** `ascii`: `segment` is known to be ASCII, so the regular expression can be skipped. */
function decodeJsonSegment(segment: string, what: string, ascii: boolean): Record<string, unknown> {
  const bytes =
    segment.length > 0 && (ascii || B64URL.test(segment)) ? base64urlBytes(segment) : undefined;
  if (bytes === undefined) throw malformed(`token ${what} is not base64url`);
  // Invalid UTF-8 is an error, not U+FFFD: isUtf8 checks, toString decodes (faster than a fatal
  // TextDecoder, and this runs on every STS request).
  if (!isUtf8(bytes)) throw malformed(`token ${what} is not base64url-encoded UTF-8`);
  const text = bytes.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw malformed(`token ${what} is not JSON`, e);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw malformed(`token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Space, tab, CR, LF: what may surround a token (docs/aws-behaviour.md, "Token bytes"). */
function isTokenSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * The compact JWT inside what a client sent: surrounding spaces, tabs, CRs and LFs removed, as
 * STS accepts a token file written by `echo` (docs/aws-behaviour.md, "Token bytes"). Whitespace
 * inside the token, and any other character around it, is left for the parser to refuse.
 */
export function compactToken(raw: string): string {
  let start = 0;
  let end = raw.length;
  while (start < end && isTokenSpace(raw.charCodeAt(start))) start++;
  while (end > start && isTokenSpace(raw.charCodeAt(end - 1))) end--;
  return start === 0 && end === raw.length ? raw : raw.slice(start, end);
}

/** A compact JWS decoded, with what checking its signature takes. */
export interface SplitToken extends DecodedToken {
  /** `header.payload` as sent: what the signature covers. */
  signingInput: string;
  signature: Buffer;
}

/**
 * Splits and decodes a compact JWT **without verifying anything**. Surrounding whitespace is
 * ignored (`compactToken`). Throws `TokenError` `ERR_TOKEN_TOO_LARGE` (over 20000 characters as
 * sent, STS's parameter limit) or `ERR_TOKEN_MALFORMED`.
 */
export function decodeToken(raw: string): DecodedToken {
  const { header, claims } = splitToken(raw);
  return { header, claims };
}

/** `decodeToken`, keeping the signing input and the signature's bytes for the signature check. */
export function splitToken(raw: string): SplitToken {
  if (typeof raw !== "string") throw malformed("token must be a string");
  if (raw.length > MAX_TOKEN_LENGTH) {
    throw new TokenError(
      "ERR_TOKEN_TOO_LARGE",
      `token is ${raw.length} characters; STS accepts at most ${MAX_TOKEN_LENGTH}`,
      { expected: MAX_TOKEN_LENGTH, actual: raw.length },
    );
  }
  const token = compactToken(raw);
  const dot1 = token.indexOf(".");
  const dot2 = dot1 === -1 ? -1 : token.indexOf(".", dot1 + 1);
  if (dot2 === -1 || token.indexOf(".", dot2 + 1) !== -1) {
    throw malformed(
      `token has ${token.split(".").length} dot-separated segments; a signed JWT has 3 (header.payload.signature)`,
    );
  }
  const h = token.slice(0, dot1);
  const p = token.slice(dot1 + 1, dot2);
  const s = token.slice(dot2 + 1);
  // Above U+007F the decoder misreads (base64urlBytes): such a token takes the regular
  // expressions, which also name the segment at fault.
  const ascii = isAscii(token);
  const signature = ascii || B64URL.test(s) ? base64urlBytes(s) : undefined;
  if (signature === undefined) throw malformed("token signature is not base64url");
  const header = decodeHeader(h, ascii);
  const claims = decodeJsonSegment(p, "payload", ascii);
  return { header, claims, signingInput: token.slice(0, dot2), signature };
}

const MAX_CACHED_HEADERS = 64;
const headers = new Map<string, JoseHeader>();

/**
 * Every token an issuer signs with one key has the same header segment, and a server decodes
 * many: valid headers are kept by their text (bounded), and each caller gets its own copy.
 */
function decodeHeader(segment: string, ascii: boolean): JoseHeader {
  const known = headers.get(segment);
  if (known !== undefined) return { ...known };
  const header = decodeJsonSegment(segment, "header", ascii);
  if (typeof header.alg !== "string") throw malformed("token header has no alg");
  if (header.kid !== undefined && typeof header.kid !== "string") {
    throw malformed("token header kid is not a string");
  }
  // Only flat headers (alg, kid, typ…): a copy of one with arrays or objects would share them.
  if (Object.values(header).every((v) => v === null || typeof v !== "object")) {
    if (headers.size >= MAX_CACHED_HEADERS) headers.clear();
    headers.set(segment, { ...(header as JoseHeader) });
  }
  return header as JoseHeader;
}
