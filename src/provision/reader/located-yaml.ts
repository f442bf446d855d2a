/**
 * Parses YAML (and JSON, which is YAML 1.2 flow syntax) into plain values while recording the
 * position of every key and value in a `SourceLocations`. Custom tags are not resolved by the
 * `yaml` library: a `TagPlan` callback decides what each one means, before the children are
 * walked, so the children's recorded paths match the final (converted) value.
 */
import {
  type Alias,
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
import { readBlockYaml } from "./block-yaml.js";
import { parseLocatedJson } from "./located-json.js";
import {
  type LocationNode,
  locationRecorder,
  type Path,
  type PathSegment,
  type Position,
  SourceLocations,
} from "./source-locations.js";

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
// JSON's own white space before an object or array (JSON.parse refuses any other).
const JSON_START = /^[ \t\n\r]*[[{]/;
// Deep alias chains are either hostile or a mistake; stop long before the stack does.
const MAX_DEPTH = 500;
/**
 * How many nodes aliases may expand to in one document. Nested aliases multiply: a few hundred
 * bytes can stand for billions of nodes (an "alias bomb"), so expansion is counted and stopped
 * (docs/aws-behaviour.md, "Limits"). Real templates and configs stay far below.
 */
export const MAX_ALIAS_NODES = 100_000;

/** Thrown out of the walk when the alias budget is spent; nothing of the value is kept. */
class AliasBudgetSpent {}

export function parseLocatedYaml(
  text: string,
  sourceName: string,
  options: LocatedYamlOptions = {},
): LocatedDocument {
  // JSON (a YAML subset) is read by JSON.parse and a scanner for positions: same value, same
  // positions, a small fraction of the time. Anything JSON.parse refuses is left to the YAML reader.
  if (JSON_START.test(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return parseYamlText(text, sourceName, options);
    }
    return parseLocatedJson(text, sourceName, value);
  }
  // Plain block YAML (what bb-oidc writes) is read by a small reader giving the same result;
  // anything beyond it by the library.
  return readBlockYaml(text, sourceName, options) ?? parseYamlText(text, sourceName, options);
}

/**
 * The YAML library's reading of `text`, even when it is JSON. Exported for tests that compare the
 * two readers; callers use `parseLocatedYaml`.
 */
export function parseYamlText(
  text: string,
  sourceName: string,
  options: LocatedYamlOptions = {},
): LocatedDocument {
  const lineCounter = new LineCounter();
  const locations = new SourceLocations(sourceName);
  const problems: LocatedProblem[] = [];
  // Duplicate keys are found by the walker with a hash lookup: the library's own check compares
  // each key with every earlier one, which is quadratic in a 1,000-role template's Resources.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
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

  // Offsets are recorded as the walk goes; line and column are worked out only when asked for.
  const root = locationRecorder(locations, toPos);
  const walker = new Walker(doc, text, toPos, problems, options);
  let value: unknown;
  try {
    value = doc.contents === null ? null : walker.walk(doc.contents as Node, root, 0);
  } catch (err) {
    if (!(err instanceof AliasBudgetSpent)) throw err;
    return {
      value: undefined,
      locations: new SourceLocations(sourceName),
      problems: [walker.budgetProblem!],
    };
  }
  // A repeated key is a syntax error, reported as the library would: nothing else from the walk.
  if (walker.duplicates.length > 0) {
    return {
      value: undefined,
      locations: new SourceLocations(sourceName),
      problems: walker.duplicates,
    };
  }
  return { value, locations, problems };
}

function offsetOf(node: Node | null): number {
  return node?.range?.[0] ?? 0;
}

class Walker {
  /** The path of the node being walked: one array, pushed and popped, copied only for problems. */
  private readonly path: PathSegment[] = [];
  /** Repeated mapping keys, in document order. */
  readonly duplicates: LocatedProblem[] = [];
  /** Set when alias expansion went over MAX_ALIAS_NODES. */
  budgetProblem: LocatedProblem | undefined;
  /** Aliases being expanded around the node being walked, and the nodes they produced. */
  private aliasDepth = 0;
  private aliasNodes = 0;
  private readonly resolved = new Map<Alias, Node | null>();
  /** The outermost alias being expanded: where a spent budget is reported. */
  private outerAlias: { path: PathSegment[]; offset: number } | undefined;

  constructor(
    private readonly doc: Document,
    private readonly text: string,
    private readonly toPos: (offset: number) => Position,
    private readonly problems: LocatedProblem[],
    private readonly options: LocatedYamlOptions,
  ) {}

  walk(node: Node, loc: LocationNode, depth: number): unknown {
    if (this.aliasDepth > 0 && ++this.aliasNodes > MAX_ALIAS_NODES) {
      const at = this.outerAlias!;
      this.budgetProblem = {
        path: at.path,
        position: this.toPos(at.offset),
        message: `YAML aliases here expand to more than ${MAX_ALIAS_NODES.toLocaleString("en-US")} nodes, the limit for alias expansion; write the values out, or use fewer nested aliases`,
      };
      throw new AliasBudgetSpent();
    }
    if (depth > MAX_DEPTH) {
      this.problem(node, "the document nests too deeply (or an alias refers to itself)");
      return null;
    }
    if (isAlias(node)) {
      // The library looks an anchor up by walking the document; once per alias node is enough.
      let target = this.resolved.get(node);
      if (target === undefined) {
        target = node.resolve(this.doc) ?? null;
        this.resolved.set(node, target);
      }
      if (!target) {
        this.problem(node, `alias *${node.source} refers to no anchor`);
        return null;
      }
      loc.value = offsetOf(node);
      if (this.aliasDepth === 0)
        this.outerAlias = { path: this.path.slice(), offset: offsetOf(node) };
      this.aliasDepth++;
      try {
        return this.walk(target as Node, loc, depth + 1);
      } finally {
        this.aliasDepth--;
      }
    }
    const tag = node.tag;
    if (tag && !tag.startsWith(STANDARD_TAG)) return this.walkTagged(node, tag, loc, depth);
    return this.walkPlain(node, loc, depth);
  }

  private walkTagged(node: Node, tag: string, loc: LocationNode, depth: number): unknown {
    const kind: NodeKind = isMap(node) ? "mapping" : isSeq(node) ? "sequence" : "scalar";
    // The tag precedes the node; point at the tag itself, which is what the reader sees as wrong.
    const nodeStart = node.range?.[0] ?? 0;
    const tagOffset = this.text.lastIndexOf(tag, nodeStart);
    const at = tagOffset >= 0 ? tagOffset : nodeStart;
    loc.value = at;
    const plan = this.options.planTag
      ? this.options.planTag(tag, kind)
      : { problem: `tags such as ${tag} are not allowed here` };
    if ("problem" in plan) {
      this.problems.push({
        path: this.path.slice(),
        position: this.toPos(at),
        message: plan.problem,
        tag,
        ...(plan.expected === undefined ? {} : { expected: plan.expected }),
      });
      return null;
    }
    this.path.push(plan.key);
    const inner = this.walkPlain(node, loc.child(plan.key), depth + 1);
    this.path.pop();
    return { [plan.key]: plan.transform ? plan.transform(inner) : inner };
  }

  private walkPlain(node: Node, loc: LocationNode, depth: number): unknown {
    loc.value = offsetOf(node);
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v !== "string" && node.range) {
        loc.raw = this.text.slice(node.range[0], node.range[1]);
      }
      // Tagged scalars stay strings (`!Ref 123` names "123"), as the library already leaves them.
      return typeof v === "bigint" ? Number(v) : v;
    }
    const path = this.path;
    if (isSeq(node)) {
      const items = node.items;
      const out = new Array<unknown>(items.length);
      for (let i = 0; i < items.length; i++) {
        path.push(i);
        out[i] = this.walk(items[i] as Node, loc.child(i), depth + 1);
        path.pop();
      }
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = this.keyText(keyNode);
        if (key === undefined) continue;
        if (Object.hasOwn(out, key)) {
          this.duplicates.push({
            path: [],
            position: this.toPos(offsetOf(keyNode)),
            message: "YAML syntax: Map keys must be unique",
          });
        }
        const child = loc.child(key);
        if (keyNode) child.key = offsetOf(keyNode);
        const valueNode = pair.value as Node | null;
        let value: unknown = null;
        // `key:` with nothing after it is null, located at its key.
        if (valueNode === null) child.value = offsetOf(keyNode);
        else {
          path.push(key);
          value = this.walk(valueNode, child, depth + 1);
          path.pop();
        }
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

  private keyText(keyNode: Node | null): string | undefined {
    if (keyNode === null) return "";
    if (isScalar(keyNode)) {
      const v = keyNode.value;
      return v === null ? "" : String(v);
    }
    this.problem(keyNode, "mapping keys must be plain strings");
    return undefined;
  }

  private problem(node: Node, message: string): void {
    this.problems.push({ path: this.path.slice(), position: this.toPos(offsetOf(node)), message });
  }
}
