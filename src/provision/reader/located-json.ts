/**
 * JSON with positions: `JSON.parse` gives the value (it is the authority on JSON and fast), and a
 * small scanner over the same text records where every key and value starts, in the same
 * `SourceLocations` the YAML reader fills. The scanner runs only on text `JSON.parse` accepted,
 * so it does not validate; it only has to find token boundaries.
 *
 * What the YAML reader reported for JSON (JSON is YAML 1.2 flow syntax, and the YAML reader read
 * it before this one existed) is kept: a repeated key in one object is the syntax problem "Map keys
 * must be unique" at the repeated key, and nesting deeper than the YAML reader's limit is a problem
 * at the first value too deep. Lines are counted as the YAML reader counts them: a line starts after
 * each "\n" (so "\r\n" is one line break and a lone "\r" none); columns count UTF-16 code units.
 */
import type { LocatedDocument, LocatedProblem } from "./located-yaml.js";
import {
  type LocationNode,
  locationRecorder,
  type PathSegment,
  type Position,
  SourceLocations,
} from "./source-locations.js";

/** The YAML reader's limit, kept so both readers refuse the same documents. */
export const MAX_JSON_DEPTH = 500;

const TOO_DEEP = "the document nests too deeply (or an alias refers to itself)";
const DUPLICATE_KEY = "YAML syntax: Map keys must be unique";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** Line starts of a text (offset 0 and every offset after a "\n"), to turn offsets into positions. */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  let at = text.indexOf("\n");
  while (at >= 0) {
    starts.push(at + 1);
    at = text.indexOf("\n", at + 1);
  }
  return starts;
}

/** 1-based line and column of `offset`, given the text's line starts. */
export function positionIn(starts: readonly number[], offset: number): Position {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** Offset → position, with the line table built on the first call (most documents never need it). */
export function offsetToPosition(text: string): (offset: number) => Position {
  let starts: number[] | undefined;
  return (offset) => {
    if (starts === undefined) starts = lineStartsOf(text);
    return positionIn(starts, offset);
  };
}

/**
 * Reads JSON text into its value and the positions of its keys and values. `value` may be passed
 * when the caller has already run `JSON.parse` on `text`. Throws `SyntaxError` (from `JSON.parse`)
 * when the text is not JSON.
 */
export function parseLocatedJson(
  text: string,
  sourceName: string,
  value: unknown = JSON.parse(text),
): LocatedDocument {
  const locations = new SourceLocations(sourceName);
  const toPos = offsetToPosition(text);
  const scanner = new Scanner(text, toPos);
  scanner.scan(locationRecorder(locations, toPos));
  if (scanner.duplicates.length > 0) {
    return { value: undefined, locations, problems: scanner.duplicates };
  }
  // As the YAML reader did: a value nested too deeply reads as null (and is reported).
  for (const p of scanner.tooDeep) value = withNullAt(value, p.path);
  return { value, locations, problems: scanner.tooDeep };
}

function withNullAt(root: unknown, path: readonly PathSegment[]): unknown {
  if (path.length === 0) return null;
  let parent = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    parent = parent[path[i]!] as Record<string | number, unknown>;
  }
  Object.defineProperty(parent, path[path.length - 1]!, {
    value: null,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return root;
}

class Scanner {
  private pos = 0;
  private readonly path: PathSegment[] = [];
  readonly duplicates: LocatedProblem[] = [];
  readonly tooDeep: LocatedProblem[] = [];

  constructor(
    private readonly text: string,
    private readonly toPos: (offset: number) => Position,
  ) {}

  scan(root: LocationNode): void {
    this.skipSpace();
    this.value(root, 0);
  }

  /** Records the value starting at `pos` (after white space) in `loc`, and moves past it. */
  private value(loc: LocationNode | undefined, depth: number): void {
    const text = this.text;
    const start = this.pos;
    if (loc !== undefined && depth > MAX_JSON_DEPTH) {
      this.tooDeep.push({
        path: this.path.slice(),
        position: this.toPos(start),
        message: TOO_DEEP,
      });
      // Still scanned (a repeated key deeper down is still a syntax problem), but not recorded.
      loc = undefined;
    }
    if (loc !== undefined) loc.value = start;
    const c = text.charCodeAt(start);
    if (c === OPEN_BRACE) this.object(loc, depth);
    else if (c === OPEN_BRACKET) this.array(loc, depth);
    else if (c === QUOTE) this.pos = this.stringEnd(start);
    else {
      // A number, true, false or null: up to the next delimiter.
      const length = text.length;
      let end = start + 1;
      while (end < length) {
        const d = text.charCodeAt(end);
        if (
          d === COMMA ||
          d === CLOSE_BRACE ||
          d === CLOSE_BRACKET ||
          d === 0x20 ||
          d === 0x0a ||
          d === 0x0d ||
          d === 0x09
        )
          break;
        end++;
      }
      if (loc !== undefined) loc.raw = text.slice(start, end);
      this.pos = end;
    }
  }

  private object(loc: LocationNode | undefined, depth: number): void {
    const text = this.text;
    this.pos++; // {
    this.skipSpace();
    if (text.charCodeAt(this.pos) === CLOSE_BRACE) {
      this.pos++;
      return;
    }
    // Keys seen in this object, when there is no location node to find them in.
    const seen = loc === undefined ? new Set<string>() : undefined;
    for (;;) {
      const keyStart = this.pos;
      const keyEnd = this.stringEnd(keyStart);
      const key = this.keyText(keyStart, keyEnd);
      this.pos = keyEnd;
      this.skipSpace();
      this.pos++; // :
      this.skipSpace();
      let child: LocationNode | undefined;
      const repeated = loc === undefined ? seen!.has(key) : loc.fields?.has(key) === true;
      // A repeated key is reported after its value: the YAML reader found problems in that order.
      if (!repeated) {
        if (loc === undefined) seen!.add(key);
        else {
          child = loc.child(key);
          child.key = keyStart;
        }
      }
      this.path.push(key);
      // A repeated key's value is scanned without being recorded: the first one's place stays.
      this.value(repeated ? undefined : child, depth + 1);
      this.path.pop();
      if (repeated) {
        this.duplicates.push({ path: [], position: this.toPos(keyStart), message: DUPLICATE_KEY });
      }
      this.skipSpace();
      const next = text.charCodeAt(this.pos++);
      if (next !== COMMA) return; // }
      this.skipSpace();
    }
  }

  private array(loc: LocationNode | undefined, depth: number): void {
    const text = this.text;
    this.pos++; // [
    this.skipSpace();
    if (text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      this.path.push(i);
      this.value(loc === undefined ? undefined : loc.child(i), depth + 1);
      this.path.pop();
      this.skipSpace();
      const next = text.charCodeAt(this.pos++);
      if (next !== COMMA) return; // ]
      this.skipSpace();
    }
  }

  /** The offset just after the string that opens at `start`. */
  private stringEnd(start: number): number {
    const text = this.text;
    let at = start + 1;
    for (;;) {
      const q = text.indexOf('"', at);
      if (q < 0) return text.length; // unreachable for text JSON.parse accepted
      // The quote ends the string unless an odd number of backslashes precede it.
      let slashes = 0;
      while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
      if (slashes % 2 === 0) return q + 1;
      at = q + 1;
    }
  }

  private keyText(start: number, end: number): string {
    const inner = this.text.slice(start + 1, end - 1);
    return inner.indexOf("\\") < 0 ? inner : (JSON.parse(this.text.slice(start, end)) as string);
  }

  private skipSpace(): void {
    const text = this.text;
    let at = this.pos;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++;
      else break;
    }
    this.pos = at;
  }
}
