/**
 * Value kinds of `bb-oidc.yaml` fields. Each kind is one definition that yields three things: the
 * check the loader runs (through `Checker`, so problems carry `file:line:column`), the JSON Schema
 * an editor validates with, and the type shown on the reference page. The field table
 * (fields.ts) is written in these kinds, so the loader, the schema and the page cannot disagree.
 */
import type { Path } from "../reader/source-locations.js";
import type { Checker } from "./checker.js";

export type JsonSchema = Record<string, unknown>;

export interface Kind<T> {
  /** The type as the reference page names it, e.g. `list of account IDs`. */
  type: string;
  schema: JsonSchema;
  check(c: Checker, value: unknown, path: Path): T | undefined;
}

export function boolean(): Kind<boolean> {
  return { type: "boolean", schema: { type: "boolean" }, check: (c, v, p) => c.boolean(v, p) };
}

export function integer(minimum: number, maximum: number): Kind<number> {
  return {
    type: `whole number, ${minimum}–${maximum}`,
    schema: { type: "integer", minimum, maximum },
    check: (c, v, p) => c.integer(v, p, minimum, maximum),
  };
}

/** A string matching `pattern`; `what` completes "expected …" in messages. */
export function matching(
  pattern: RegExp,
  what: string,
  type: string,
  extra: JsonSchema = {},
): Kind<string> {
  return {
    type,
    schema: { type: "string", pattern: pattern.source, ...extra },
    check: (c, v, p) => c.matching(v, p, pattern, what),
  };
}

/** A string checked by `check` (which reports its own problems); the schema is written with it. */
export function customString(
  type: string,
  schema: JsonSchema,
  check: (c: Checker, s: string, path: Path) => string | undefined,
  what: string,
): Kind<string> {
  return {
    type,
    schema: { type: "string", ...schema },
    check: (c, v, p) => {
      const s = c.string(v, p, what);
      return s === undefined ? undefined : check(c, s, p);
    },
  };
}

/** A list of distinct items; `what` names the items in messages (`AWS account IDs`). */
export function listOf<T>(
  item: Kind<T>,
  what: string,
  bounds: { min?: number; max?: number } = {},
): Kind<T[]> {
  const schema: JsonSchema = { type: "array", items: item.schema, uniqueItems: true };
  if (bounds.min !== undefined) schema.minItems = bounds.min;
  if (bounds.max !== undefined) schema.maxItems = bounds.max;
  const limits = [
    bounds.min !== undefined && bounds.min > 0 ? `at least ${bounds.min}` : "",
    bounds.max !== undefined ? `at most ${bounds.max}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return {
    type: `list of ${what}${limits ? ` (${limits})` : ""}`,
    schema,
    check: (c, v, p) => c.listOf(v, p, what, (x, xp) => item.check(c, x, xp), bounds),
  };
}

/** Anything, checked by `check`; for the few fields whose shape is a choice. */
export function custom<T>(
  type: string,
  schema: JsonSchema,
  check: (c: Checker, value: unknown, path: Path) => T | undefined,
): Kind<T> {
  return { type, schema, check };
}
