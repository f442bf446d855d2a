/**
 * Parses YAML (and JSON, which is YAML 1.2 flow syntax) into plain values while recording the
 * position of every key and value in a `SourceLocations`. Custom tags are not resolved by the
 * `yaml` library: a `TagPlan` callback decides what each one means, before the children are
 * walked, so the children's recorded paths match the final (converted) value.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import { type Path, type Position, SourceLocations } from "./source-locations.js";

export type NodeKind = "scalar" | "sequence" | "mapping";

/** What a custom tag turns into: `{ [key]: transform(value) }`, or a problem to report. */
export type TagPlan =
  | { key: string; transform?: (value: unknown) => unknown }
  | { problem: string; expected?: string };

export interface LocatedProblem {
  path: Path;
  position: Position | undefined;
  message: string;
  expected?: string;
  /** Set when the problem is a tag the caller does not know. */
  tag?: string;
}

export interface LocatedDocument {
  value: unknown;
  locations: SourceLocations;
  problems: LocatedProblem[];
}

export interface LocatedYamlOptions {
  /** Decides the meaning of a non-standard tag such as `!Ref`. Without it every such tag is a problem. */
  planTag?: (tag: string, kind: NodeKind) => TagPlan;
}

const STANDARD_TAG = "tag:yaml.org,2002:";
// Deep alias chains are either hostile or a mistake; stop long before the stack does.
const MAX_DEPTH = 500;

export function parseLocatedYaml(
  text: string,
  sourceName: string,
  options: LocatedYamlOptions = {},
): LocatedDocument {
  const lineCounter = new LineCounter();
  const locations = new SourceLocations(sourceName);
  const problems: LocatedProblem[] = [];
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const toPos = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  for (const err of doc.errors) {
    problems.push({
      path: [],
      position: toPos(err.pos[0]),
      // The library's message may carry a code frame after the first line.
      message: `YAML syntax: ${err.message.split("\n")[0]}`,
    });
  }
  if (doc.errors.length > 0) return { value: undefined, locations, problems };

  const walker = new Walker(doc, text, toPos, locations, problems, options);
  const value = doc.contents === null ? null : walker.walk(doc.contents as Node, [], 0);
  return { value, locations, problems };
}

class Walker {
  constructor(
    private readonly doc: Document,
    private readonly text: string,
    private readonly toPos: (offset: number) => Position,
    private readonly locations: SourceLocations,
    private readonly problems: LocatedProblem[],
    private readonly options: LocatedYamlOptions,
  ) {}

  walk(node: Node, path: Path, depth: number): unknown {
    if (depth > MAX_DEPTH) {
      this.problem(path, node, "the document nests too deeply (or an alias refers to itself)");
      return null;
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) {
        this.problem(path, node, `alias *${node.source} refers to no anchor`);
        return null;
      }
      this.locations.setValue(path, this.start(node));
      return this.walk(target as Node, path, depth + 1);
    }
    const tag = node.tag;
    if (tag && !tag.startsWith(STANDARD_TAG)) return this.walkTagged(node, tag, path, depth);
    return this.walkPlain(node, path, depth);
  }

  private walkTagged(node: Node, tag: string, path: Path, depth: number): unknown {
    const kind: NodeKind = isMap(node) ? "mapping" : isSeq(node) ? "sequence" : "scalar";
    // The tag precedes the node; point at the tag itself, which is what the reader sees as wrong.
    const nodeStart = node.range?.[0] ?? 0;
    const tagOffset = this.text.lastIndexOf(tag, nodeStart);
    const tagPos = this.toPos(tagOffset >= 0 ? tagOffset : nodeStart);
    this.locations.setValue(path, tagPos);
    const plan = this.options.planTag
      ? this.options.planTag(tag, kind)
      : { problem: `tags such as ${tag} are not allowed here` };
    if ("problem" in plan) {
      this.problems.push({
        path,
        position: tagPos,
        message: plan.problem,
        tag,
        ...(plan.expected === undefined ? {} : { expected: plan.expected }),
      });
      return null;
    }
    const inner = this.walkPlain(node, [...path, plan.key], depth + 1);
    return { [plan.key]: plan.transform ? plan.transform(inner) : inner };
  }

  private walkPlain(node: Node, path: Path, depth: number): unknown {
    this.locations.setValue(path, this.start(node));
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v !== "string" && node.range) {
        this.locations.setRaw(path, this.text.slice(node.range[0], node.range[1]));
      }
      // Tagged scalars stay strings (`!Ref 123` names "123"), as the library already leaves them.
      return typeof v === "bigint" ? Number(v) : v;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => this.walk(item as Node, [...path, i], depth + 1));
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = this.keyText(keyNode, path);
        if (key === undefined) continue;
        const childPath = [...path, key];
        if (keyNode) this.locations.setKey(childPath, this.start(keyNode));
        const valueNode = pair.value as Node | null;
        // `key:` with nothing after it is null, located at its key.
        if (valueNode === null) this.locations.setValue(childPath, this.start(keyNode));
        const value = valueNode === null ? null : this.walk(valueNode, childPath, depth + 1);
        // defineProperty: a key named "__proto__" must stay data, not change the prototype.
        Object.defineProperty(out, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return null;
  }

  private keyText(keyNode: Node | null, path: Path): string | undefined {
    if (keyNode === null) return "";
    if (isScalar(keyNode)) {
      const v = keyNode.value;
      return v === null ? "" : String(v);
    }
    this.problem(path, keyNode, "mapping keys must be plain strings");
    return undefined;
  }

  private start(node: Node | null): Position {
    return this.toPos(node?.range?.[0] ?? 0);
  }

  private problem(path: Path, node: Node, message: string): void {
    this.problems.push({ path, position: this.start(node), message });
  }
}
