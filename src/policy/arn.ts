/**
 * ARN patterns (ArnLike/ArnEquals and their negations, Resource): the six colon-separated
 * parts `arn:partition:service:region:account:resource` are matched one by one, and a wildcard
 * never crosses a colon except inside the sixth part (the resource, which may contain colons).
 * A pattern without any colon (typically `*`, or a lone variable) is matched against the whole
 * string. Assumption [U]: a pattern with two to five parts is not an ARN pattern and matches
 * nothing (IAM refuses such Resources; for conditions AWS does not document the case).
 */
import { compileGlob, type GlobPart, type StringMatcher } from "./glob.js";

const SEGMENTS = 6;

/** Splits the request-side ARN into at most six parts; fewer means "not an ARN". */
export function splitArn(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (out.length < SEGMENTS - 1) {
    const colon = value.indexOf(":", start);
    if (colon < 0) break;
    out.push(value.slice(start, colon));
    start = colon + 1;
  }
  out.push(value.slice(start));
  return out;
}

function splitParts(parts: readonly GlobPart[]): GlobPart[][] {
  const segments: GlobPart[][] = [[]];
  for (const part of parts) {
    if (typeof part !== "string" || segments.length === SEGMENTS) {
      segments[segments.length - 1]!.push(part);
      continue;
    }
    let rest = part;
    let colon = rest.indexOf(":");
    while (colon >= 0 && segments.length < SEGMENTS) {
      const before = rest.slice(0, colon);
      if (before) segments[segments.length - 1]!.push(before);
      segments.push([]);
      rest = rest.slice(colon + 1);
      colon = rest.indexOf(":");
    }
    if (rest) segments[segments.length - 1]!.push(rest);
  }
  return segments;
}

export function compileArnPattern(parts: readonly GlobPart[]): StringMatcher {
  const segments = splitParts(parts);
  if (segments.length === 1) return compileGlob(parts);
  if (segments.length < SEGMENTS) return () => false;
  const matchers = segments.map(compileGlob);
  return (value) => {
    const got = splitArn(value);
    if (got.length < SEGMENTS) return false;
    for (let i = 0; i < SEGMENTS; i++) if (!matchers[i]!(got[i]!)) return false;
    return true;
  };
}
