/**
 * Where each value of a parsed YAML/JSON document came from, keyed by its path from the root, so
 * that errors found long after parsing (validation, resolution) can still name `file:line:column`.
 */

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** 1-based, as editors show them. */
export interface Position {
  line: number;
  column: number;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `roles[1].repositories[0]`; keys that are not identifiers are quoted: `Properties["Fn::Sub"]`. */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === "" ? "(top level)" : out;
}

// Numbers and strings are kept apart so that `[0]` and `["0"]` never collide.
function keyOf(path: Path): string {
  return path.map((s) => (typeof s === "number" ? `#${s}` : `.${s}`)).join("\u0000");
}

export class SourceLocations {
  readonly #values = new Map<string, Position>();
  readonly #keys = new Map<string, Position>();
  readonly #raw = new Map<string, string>();

  constructor(readonly sourceName: string) {}

  setValue(path: Path, pos: Position): void {
    this.#values.set(keyOf(path), pos);
  }

  setKey(path: Path, pos: Position): void {
    this.#keys.set(keyOf(path), pos);
  }

  /** The source text of a non-string scalar (`0123` read as a number keeps its text here). */
  setRaw(path: Path, text: string): void {
    this.#raw.set(keyOf(path), text);
  }

  raw(path: Path): string | undefined {
    return this.#raw.get(keyOf(path));
  }

  /** The value's position, or the nearest ancestor's when the value itself was synthesized. */
  valueAt(path: Path): Position | undefined {
    for (let n = path.length; n >= 0; n--) {
      const pos = this.#values.get(keyOf(path.slice(0, n)));
      if (pos) return pos;
    }
    return undefined;
  }

  /** The position of the mapping key that holds the value (for "unknown field" errors). */
  keyAt(path: Path): Position | undefined {
    return this.#keys.get(keyOf(path)) ?? this.valueAt(path);
  }

  /** `file:line:column`, or just the file name when nothing is known. */
  describe(path: Path, at: "key" | "value" = "value"): string {
    const pos = at === "key" ? this.keyAt(path) : this.valueAt(path);
    return pos ? `${this.sourceName}:${pos.line}:${pos.column}` : this.sourceName;
  }
}
