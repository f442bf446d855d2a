/**
 * When can one decision stand for many? A repository UUID reaches a trust policy only through
 * `<provider>:sub`. Take two repositories X and S, neither written in the policy. If every sub
 * pattern, once its complete UUIDs are taken out, has no hex digit left (and no policy variable
 * could copy sub elsewhere), then no literal character of any pattern can line up with a hex
 * digit of X or S: those positions are matched only by wildcards, which match any character, and
 * complete UUIDs (delimited by braces or hyphens in fixed places) can only match a whole UUID, which
 * is neither X nor S. So the engine's answer for X equals its answer for S — the same argument
 * holds for environment UUIDs. who-can then asks the engine once for "an unmentioned repository"
 * and once per mentioned one, instead of once per (row × role): linear in roles, not quadratic.
 *
 * A policy that fails the test (e.g. `{9c1d*` — a UUID prefix) is simply asked about every row.
 */
import { baseOperator, providerClaim, statementViews } from "../trust/statements.js";

const UUID = /\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?/gi;

export interface Opacity {
  opaque: boolean;
  /** UUIDs written in sub patterns, braced and lowercased. */
  mentioned: Set<string>;
}

export function opacityOf(doc: unknown): Opacity {
  const mentioned = new Set<string>();
  let opaque = !JSON.stringify(doc ?? null).includes("${");
  for (const s of statementViews(doc)) {
    for (const c of s.conditions) {
      if (providerClaim(c.key) !== "sub" || baseOperator(c.operator) === "Null") continue;
      for (const v of c.values) {
        for (const u of v.match(UUID) ?? [])
          mentioned.add(`{${u.replace(/[{}]/g, "").toLowerCase()}}`);
        if (/[0-9a-f]/i.test(v.replace(UUID, ""))) opaque = false;
      }
    }
  }
  return { opaque, mentioned };
}
