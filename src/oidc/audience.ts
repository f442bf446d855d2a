/** Why a token's `aud` matched nothing: absent (or empty), not strings, or none wanted. */
export type AudienceMiss = { readonly miss: "missing" | "malformed" | "none" };

const MISSING: AudienceMiss = Object.freeze({ miss: "missing" });
const MALFORMED: AudienceMiss = Object.freeze({ miss: "malformed" });
const NONE: AudienceMiss = Object.freeze({ miss: "none" });

/**
 * The one audience matcher (`verify` and STS's decision share it). `aud` is a string or an array
 * of strings (RFC 7519 §4.1.3); anything else — an array holding a number, an object — is a
 * malformed token, whatever else it holds (docs/aws-behaviour.md, "Audience"). Returns the first
 * value, in the token's order, that `wanted` contains; with `wanted` undefined only the shape is
 * checked (a well-formed `aud` then answers `none`).
 */
export function matchAudience(
  aud: unknown,
  wanted: readonly string[] | undefined,
): string | AudienceMiss {
  if (typeof aud === "string") return wanted?.includes(aud) ? aud : NONE;
  if (!Array.isArray(aud)) return aud === undefined ? MISSING : MALFORMED;
  if (aud.length === 0) return MISSING;
  let found: string | undefined;
  for (const v of aud) {
    if (typeof v !== "string") return MALFORMED;
    if (found === undefined && wanted?.includes(v)) found = v;
  }
  return found ?? NONE;
}
