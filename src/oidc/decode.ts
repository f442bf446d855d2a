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
// One decoder for every call: `fatal` makes invalid UTF-8 an error instead of U+FFFD.
const UTF8 = new TextDecoder("utf-8", { fatal: true });

function malformed(message: string, cause?: unknown): TokenError {
  return new TokenError("ERR_TOKEN_MALFORMED", message, cause === undefined ? {} : { cause });
}

function decodeJsonSegment(segment: string, what: string): Record<string, unknown> {
  if (segment.length === 0 || !B64URL.test(segment) || segment.length % 4 === 1) {
    throw malformed(`token ${what} is not base64url`);
  }
  let text: string;
  try {
    text = UTF8.decode(Buffer.from(segment, "base64url"));
  } catch (e) {
    throw malformed(`token ${what} is not base64url-encoded UTF-8`, e);
  }
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

/**
 * Splits and decodes a compact JWT **without verifying anything**. Surrounding whitespace is
 * ignored (`compactToken`). Throws `TokenError` `ERR_TOKEN_TOO_LARGE` (over 20000 characters as
 * sent, STS's parameter limit) or `ERR_TOKEN_MALFORMED`.
 */
export function decodeToken(raw: string): DecodedToken {
  if (typeof raw !== "string") throw malformed("token must be a string");
  if (raw.length > MAX_TOKEN_LENGTH) {
    throw new TokenError(
      "ERR_TOKEN_TOO_LARGE",
      `token is ${raw.length} characters; STS accepts at most ${MAX_TOKEN_LENGTH}`,
      { expected: MAX_TOKEN_LENGTH, actual: raw.length },
    );
  }
  const token = compactToken(raw);
  const segments = token.split(".");
  if (segments.length !== 3) {
    throw malformed(
      `token has ${segments.length} dot-separated segments; a signed JWT has 3 (header.payload.signature)`,
    );
  }
  const [h, p, s] = segments as [string, string, string];
  if (!B64URL.test(s) || s.length % 4 === 1) throw malformed("token signature is not base64url");
  const header = decodeHeader(h);
  const claims = decodeJsonSegment(p, "payload");
  return { header, claims };
}

const MAX_CACHED_HEADERS = 64;
const headers = new Map<string, JoseHeader>();

/**
 * Every token an issuer signs with one key has the same header segment, and a server decodes
 * many: valid headers are kept by their text (bounded), and each caller gets its own copy.
 */
function decodeHeader(segment: string): JoseHeader {
  const known = headers.get(segment);
  if (known !== undefined) return { ...known };
  const header = decodeJsonSegment(segment, "header");
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
