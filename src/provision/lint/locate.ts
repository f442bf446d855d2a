/**
 * Where a part of a policy document is written. A document written as YAML/JSON structure has a
 * position for every key (the reader recorded them). A document written as one JSON string (the
 * seed's `Fn::Sub: |` block) has none inside: there the text of the key is searched for, from the
 * start of the string, which is right for the first occurrence and near enough for the rest.
 */
import type { Path, SourceLocations } from "../reader/index.js";
import type { DocPath, Locate, Position } from "./types.js";

/** Line starts of a text, to turn positions into offsets and back. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  offset(p: Position): number {
    return (this.starts[p.line - 1] ?? this.text.length) + p.column - 1;
  }
  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** The text most likely to be written at `path`: `:sub"` for a provider key, `"StringEquals"`. */
export function defaultNeedle(path: DocPath): string | undefined {
  const last = path[path.length - 1];
  if (typeof last !== "string") return undefined;
  const colon = last.lastIndexOf(":");
  // Provider keys are often built with ${…} in a Sub string; their tail is what is literal.
  return colon > 0 && last.includes("/") ? `${last.slice(colon)}"` : `"${last}"`;
}

/**
 * `base` is where the document sits in the file; `structured` says whether its inside has
 * positions (an object) or not (a string, a Sub).
 */
export function documentLocator(
  locations: SourceLocations,
  lines: LineIndex,
  base: Path,
  structured: boolean,
): Locate {
  const start = locations.valueAt(base);
  return (path, needle) => {
    if (structured) {
      const full: Path = [...base, ...path];
      const last = path[path.length - 1];
      return typeof last === "string" ? locations.keyAt(full) : locations.valueAt(full);
    }
    if (!start) return undefined;
    const want = needle ?? defaultNeedle(path);
    if (!want) return start;
    // Search from the statement's own text when the path names one (Statement[n] → n-th "Effect").
    const from = lines.offset(start);
    const statementIndex = typeof path[1] === "number" ? path[1] : 0;
    let at = from;
    if (statementIndex > 0) {
      for (let i = 0; i <= statementIndex; i++) {
        const next = lines.text.indexOf('"Effect"', i === 0 ? at : at + 1);
        if (next < 0) break;
        at = next;
      }
    }
    const found = lines.text.indexOf(want, at);
    return found < 0 ? start : lines.position(found);
  };
}
