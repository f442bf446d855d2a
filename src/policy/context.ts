/**
 * The request context as the evaluator reads it: key names case-insensitive, values as string
 * lists. Built once per evaluate. Lookups try the key as the policy spells it and its lowercase
 * form first, so the usual case (context and policy agree on spelling) never builds a map.
 */
import type { RequestContext } from "./types.js";

type Raw = string | readonly string[];

export class ContextView {
  private lowered: Map<string, unknown> | undefined;

  constructor(private readonly raw: RequestContext) {}

  /** The raw value for a key, or undefined when absent. */
  lookup(written: string, lower: string): unknown {
    const raw = this.raw as Record<string, unknown>;
    if (Object.hasOwn(raw, written)) return raw[written];
    if (written !== lower && Object.hasOwn(raw, lower)) return raw[lower];
    if (this.lowered === undefined) {
      this.lowered = new Map();
      for (const k of Object.keys(raw)) {
        const l = k.toLowerCase();
        // On a clash (`Aws:SourceIp` and `aws:sourceip` both given) the first one wins.
        if (!this.lowered.has(l)) this.lowered.set(l, raw[k]);
      }
    }
    return this.lowered.get(lower);
  }

  /** The values of a key as a list, or null when the key is absent. */
  values(written: string, lower: string): string[] | null {
    return normalize(this.lookup(written, lower));
  }

  /** For policy variables: a string, a list, or null when absent. */
  variable(lower: string): Raw | null {
    const v = this.lookup(lower, lower);
    if (typeof v === "string") return v;
    return normalize(v);
  }
}

/**
 * Strings and lists of strings are what callers should pass; numbers and booleans are accepted
 * as their text (a caller that builds a context from JSON claims may pass them); anything else
 * counts as absent, so evaluation never throws on an odd context.
 */
function normalize(v: unknown): string[] | null {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v) {
      if (typeof item === "string") out.push(item);
      else if (typeof item === "number" || typeof item === "boolean") out.push(String(item));
    }
    return out;
  }
  if (typeof v === "number" || typeof v === "boolean") return [String(v)];
  return null;
}
