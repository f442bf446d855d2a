/**
 * IAM wildcard patterns: `*` matches any run of characters (including none), `?` exactly one.
 *
 * A pattern is kept as parts (literal text, STAR, ONE) rather than as a string, because policy
 * variables can put a literal `*` or `?` into a pattern (`${*}`, or a substituted value) and that
 * must not act as a wildcard. Matching is done without RegExp: linear for `*`-only patterns and
 * O(n·m) worst case otherwise, so no pattern can make evaluation backtrack exponentially.
 */

export const STAR = 0;
export const ONE = 1;
export type GlobPart = string | typeof STAR | typeof ONE;

export type StringMatcher = (value: string) => boolean;

/** Parts of a pattern string in which every `*` and `?` is a wildcard. */
export function parseGlob(pattern: string): GlobPart[] {
  const parts: GlobPart[] = [];
  let literal = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" || c === "?") {
      if (literal) parts.push(literal);
      literal = "";
      // Consecutive stars mean the same as one.
      if (c === "*" && parts[parts.length - 1] === STAR) continue;
      parts.push(c === "*" ? STAR : ONE);
    } else {
      literal += c;
    }
  }
  if (literal) parts.push(literal);
  return parts;
}

/** Appends parts, merging adjacent literals and stars, so matchers see a canonical form. */
export function pushParts(into: GlobPart[], parts: readonly GlobPart[]): void {
  for (const part of parts) {
    const last = into[into.length - 1];
    if (typeof part === "string") {
      if (part === "") continue;
      if (typeof last === "string") into[into.length - 1] = last + part;
      else into.push(part);
    } else if (!(part === STAR && last === STAR)) {
      into.push(part);
    }
  }
}

export function hasWildcards(parts: readonly GlobPart[]): boolean {
  for (const p of parts) if (typeof p !== "string") return true;
  return false;
}

/** The literal text of wildcard-free parts. */
export function literalOf(parts: readonly GlobPart[]): string {
  let s = "";
  for (const p of parts) s += typeof p === "string" ? p : p === STAR ? "*" : "?";
  return s;
}

/** Builds the fastest matcher for the pattern's shape. */
export function compileGlob(parts: readonly GlobPart[]): StringMatcher {
  if (parts.length === 0) return (v) => v === "";
  if (parts.length === 1) {
    const only = parts[0]!;
    if (only === STAR) return () => true;
    if (typeof only === "string") return (v) => v === only;
  }
  if (!parts.includes(ONE)) return starOnlyMatcher(parts as readonly (string | typeof STAR)[]);
  const frozen = parts.slice();
  return (v) => matchGeneral(frozen, v);
}

function starOnlyMatcher(parts: readonly (string | typeof STAR)[]): StringMatcher {
  // Split into the literal before the first star, the literal after the last, and the middle.
  const head = typeof parts[0] === "string" ? parts[0] : "";
  const last = parts[parts.length - 1]!;
  const tail = typeof last === "string" ? last : "";
  const middle: string[] = [];
  for (let i = typeof parts[0] === "string" ? 1 : 0; i < parts.length; i++) {
    if (i === parts.length - 1 && typeof last === "string") break;
    const p = parts[i]!;
    if (typeof p === "string") middle.push(p);
  }
  const minLength = head.length + tail.length;
  if (middle.length === 0) {
    if (tail === "") return (v) => v.startsWith(head);
    if (head === "") return (v) => v.endsWith(tail);
    return (v) => v.length >= minLength && v.startsWith(head) && v.endsWith(tail);
  }
  return (v) => {
    if (v.length < minLength || !v.startsWith(head) || !v.endsWith(tail)) return false;
    // Leftmost placement of each middle literal is optimal when only stars separate them.
    let pos = head.length;
    const end = v.length - tail.length;
    for (const m of middle) {
      const at = v.indexOf(m, pos);
      if (at < 0 || at + m.length > end) return false;
      pos = at + m.length;
    }
    return true;
  };
}

/** One character: a code point, so `?` does not split a surrogate pair. */
function charLength(v: string, i: number): number {
  const c = v.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length) {
    const d = v.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/** Classic wildcard matching with one backtrack point (the last star). */
function matchGeneral(parts: readonly GlobPart[], v: string): boolean {
  let pi = 0;
  let vi = 0;
  let starPart = -1;
  let starValue = 0;
  while (vi < v.length || pi < parts.length) {
    if (pi < parts.length) {
      const p = parts[pi]!;
      if (p === STAR) {
        starPart = pi;
        starValue = vi;
        pi++;
        continue;
      }
      if (p === ONE) {
        if (vi < v.length) {
          vi += charLength(v, vi);
          pi++;
          continue;
        }
      } else if (v.startsWith(p, vi)) {
        vi += p.length;
        pi++;
        continue;
      }
    }
    if (starPart < 0 || starValue >= v.length) return false;
    // Let the last star absorb one more character and retry from there.
    starValue += charLength(v, starValue);
    vi = starValue;
    pi = starPart + 1;
  }
  return true;
}
