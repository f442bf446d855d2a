/**
 * Where each value of a parsed YAML/JSON document came from, keyed by its path from the root, so
 * that errors found long after parsing (validation, resolution) can still name `file:line:column`.
 *
 * Kept as a tree that mirrors the document (string keys and array indexes apart, so `[0]` and
 * `["0"]` never collide), so recording a value costs one small object and looking one up walks
 * its path: no path strings are built. The parsers record source offsets and hand over a way to
 * turn an offset into a line and column; that is done only for the few positions ever asked for.
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

/** A source offset (resolved on demand) or a position already known. */
type Where = number | Position;

/** One node of the location tree. Internal to the reader: the parsers fill it directly. */
export class LocationNode {
  value: Where | undefined = undefined;
  key: Where | undefined = undefined;
  raw: string | undefined = undefined;
  fields: Map<string, LocationNode> | undefined = undefined;
  /** Array items by index (dense as parsers fill them: an array, not a Map). */
  items: LocationNode[] | undefined = undefined;

  /** The child at `seg`, created when missing. */
  child(seg: PathSegment): LocationNode {
    if (typeof seg === "number") {
      if (this.items === undefined) this.items = [];
      let c = this.items[seg];
      if (c === undefined) {
        c = new LocationNode();
        this.items[seg] = c;
      }
      return c;
    }
    if (this.fields === undefined) this.fields = new Map();
    let c = this.fields.get(seg);
    if (c === undefined) {
      c = new LocationNode();
      this.fields.set(seg, c);
    }
    return c;
  }

  /** The child at `seg`, if any. */
  find(seg: PathSegment): LocationNode | undefined {
    return typeof seg === "number" ? this.items?.[seg] : this.fields?.get(seg);
  }
}

let recorder: (
  locations: SourceLocations,
  toPosition: (offset: number) => Position,
) => LocationNode;

/**
 * The root of `locations`' tree, for a parser that records source offsets itself; `toPosition`
 * turns those offsets into positions when one is asked for. Internal to the reader.
 */
export function locationRecorder(
  locations: SourceLocations,
  toPosition: (offset: number) => Position,
): LocationNode {
  return recorder(locations, toPosition);
}

export class SourceLocations {
  readonly #root = new LocationNode();
  #toPosition: ((offset: number) => Position) | undefined;

  constructor(readonly sourceName: string) {}

  static {
    recorder = (locations, toPosition) => {
      locations.#toPosition = toPosition;
      return locations.#root;
    };
  }

  setValue(path: Path, pos: Position): void {
    this.#node(path).value = pos;
  }

  setKey(path: Path, pos: Position): void {
    this.#node(path).key = pos;
  }

  /** The source text of a non-string scalar (`0123` read as a number keeps its text here). */
  setRaw(path: Path, text: string): void {
    this.#node(path).raw = text;
  }

  raw(path: Path): string | undefined {
    return this.#find(path)?.raw;
  }

  /** The value's position, or the nearest ancestor's when the value itself was synthesized. */
  valueAt(path: Path): Position | undefined {
    let node: LocationNode | undefined = this.#root;
    let found = node.value;
    for (let i = 0; i < path.length; i++) {
      node = node.find(path[i]!);
      if (node === undefined) break;
      if (node.value !== undefined) found = node.value;
    }
    return this.#position(found);
  }

  /** The position of the mapping key that holds the value (for "unknown field" errors). */
  keyAt(path: Path): Position | undefined {
    return this.#position(this.#find(path)?.key) ?? this.valueAt(path);
  }

  /** `file:line:column`, or just the file name when nothing is known. */
  describe(path: Path, at: "key" | "value" = "value"): string {
    const pos = at === "key" ? this.keyAt(path) : this.valueAt(path);
    return pos ? `${this.sourceName}:${pos.line}:${pos.column}` : this.sourceName;
  }

  #node(path: Path): LocationNode {
    let node = this.#root;
    for (let i = 0; i < path.length; i++) node = node.child(path[i]!);
    return node;
  }

  #find(path: Path): LocationNode | undefined {
    let node: LocationNode | undefined = this.#root;
    for (let i = 0; i < path.length && node !== undefined; i++) node = node.find(path[i]!);
    return node;
  }

  #position(where: Where | undefined): Position | undefined {
    if (where === undefined) return undefined;
    if (typeof where !== "number") return { line: where.line, column: where.column };
    return this.#toPosition ? this.#toPosition(where) : undefined;
  }
}
