/**
 * Small helpers for hand-written validation over a located YAML document: each check reports a
 * problem with the field path and `line:column` and returns undefined, so validation continues
 * and every problem is collected in one pass.
 */
import { nearest } from "../../policy/suggest.js";
import {
  formatPath,
  type Path,
  type Position,
  type SourceLocations,
} from "../reader/source-locations.js";
import type { ConfigProblem } from "./config-error.js";

export class Checker {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly locations: SourceLocations) {}

  report(
    path: Path,
    message: string,
    options: { at?: "key" | "value"; expected?: string; position?: Position } = {},
  ): undefined {
    const pos =
      options.position ??
      (options.at === "key" ? this.locations.keyAt(path) : this.locations.valueAt(path));
    this.problems.push({
      path: formatPath(path),
      ...(pos ? { line: pos.line, column: pos.column } : {}),
      message,
      ...(options.expected === undefined ? {} : { expected: options.expected }),
    });
    return undefined;
  }

  /** How a wrong value looks in the file (numbers keep their written form, e.g. `0123`). */
  shown(path: Path, value: unknown): string {
    const raw = this.locations.raw(path);
    if (raw !== undefined) return raw;
    if (Array.isArray(value)) return "a list";
    if (value !== null && typeof value === "object") return "a mapping";
    return JSON.stringify(value) ?? String(value);
  }

  mapping(value: unknown, path: Path, what: string): Record<string, unknown> | undefined {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    return this.report(path, `expected ${what} (a mapping), got ${this.shown(path, value)}`, {
      expected: "mapping",
    });
  }

  /** Unknown fields are errors, with the nearest known name as a suggestion. */
  onlyKeys(rec: Record<string, unknown>, path: Path, allowed: readonly string[]): void {
    for (const key of Object.keys(rec)) {
      if (allowed.includes(key)) continue;
      const guess = nearest(key, allowed);
      this.report(
        [...path, key],
        `unknown field ${JSON.stringify(key)}${guess ? `; did you mean "${guess}"?` : ""} (allowed: ${allowed.join(", ")})`,
        {
          at: "key",
          expected: allowed.join(" | "),
        },
      );
    }
  }

  string(value: unknown, path: Path, expected: string): string | undefined {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") {
      return this.report(
        path,
        `expected ${expected} as a quoted string, got ${this.shown(path, value)} (YAML read it as a ${typeof value}; put it in quotes)`,
        { expected },
      );
    }
    return this.report(path, `expected ${expected}, got ${this.shown(path, value)}`, { expected });
  }

  matching(value: unknown, path: Path, pattern: RegExp, expected: string): string | undefined {
    const s = this.string(value, path, expected);
    if (s === undefined) return undefined;
    if (pattern.test(s)) return s;
    return this.report(path, `${JSON.stringify(s)} is not ${expected}`, { expected });
  }

  list(
    value: unknown,
    path: Path,
    what: string,
    min = 0,
    max = Number.POSITIVE_INFINITY,
  ): unknown[] | undefined {
    if (!Array.isArray(value)) {
      return this.report(path, `expected a list of ${what}, got ${this.shown(path, value)}`, {
        expected: `list of ${what}`,
      });
    }
    if (value.length < min) {
      return this.report(path, `expected at least ${min} ${what}, got ${value.length}`);
    }
    if (value.length > max)
      return this.report(path, `expected at most ${max} ${what}, got ${value.length}`);
    return value;
  }

  /** A list whose items pass `each`; repeated items are reported. Undefined if any item failed. */
  listOf<T>(
    value: unknown,
    path: Path,
    what: string,
    each: (item: unknown, path: Path) => T | undefined,
    bounds: { min?: number; max?: number } = {},
  ): T[] | undefined {
    const items = this.list(value, path, what, bounds.min ?? 0, bounds.max);
    if (!items) return undefined;
    const out: T[] = [];
    let ok = true;
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const v = each(item, [...path, i]);
      if (v === undefined) {
        ok = false;
        return;
      }
      const key = JSON.stringify(v);
      const first = seen.get(key);
      if (first !== undefined) {
        ok = false;
        this.report(
          [...path, i],
          `${JSON.stringify(v)} is listed twice (also ${formatPath([...path, first])})`,
        );
        return;
      }
      seen.set(key, i);
      out.push(v);
    });
    return ok ? out : undefined;
  }

  boolean(value: unknown, path: Path): boolean | undefined {
    if (typeof value === "boolean") return value;
    return this.report(path, `expected true or false, got ${this.shown(path, value)}`, {
      expected: "boolean",
    });
  }

  integer(value: unknown, path: Path, min: number, max: number): number | undefined {
    if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max)
      return value;
    return this.report(
      path,
      `expected a whole number from ${min} to ${max}, got ${this.shown(path, value)}`,
      {
        expected: `${min}–${max}`,
      },
    );
  }
}
