/**
 * The resource dependency graph: an edge A → B when A's properties Ref, GetAtt or Sub B, or A
 * DependsOn B. Both branches of every Fn::If count, so the order holds whatever the conditions.
 */

import { isRecord } from "../../shared/is-record.js";
import { asParsedTemplate, type ParsedTemplate } from "./read-template.js";
import type { Path, SourceLocations } from "./source-locations.js";
import { subVariables } from "./sub-string.js";
import { TemplateError } from "./template-error.js";
import type { CfnTemplate } from "./types.js";

export interface Reference {
  target: string;
  /** Where the reference is written (for error locations). */
  path: Path;
}

/** Appends every reference to a name in `names` found in `value`. */
export function collectReferences(
  value: unknown,
  path: Path,
  names: ReadonlySet<string>,
  out: Reference[],
): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      collectReferences(v, [...path, i], names, out);
    });
    return;
  }
  if (!isRecord(value)) return;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const key = keys[0]!;
    const arg = value[key];
    const add = (target: string) => {
      if (names.has(target)) out.push({ target, path: [...path, key] });
    };
    if (key === "Ref" && typeof arg === "string") {
      add(arg);
      return;
    }
    if (key === "Fn::GetAtt") {
      const target =
        typeof arg === "string" ? arg.split(".")[0] : Array.isArray(arg) ? arg[0] : undefined;
      if (typeof target === "string") add(target);
      if (Array.isArray(arg)) collectReferences(arg.slice(1), [...path, key], names, out);
      return;
    }
    if (key === "Fn::Sub") {
      const text = typeof arg === "string" ? arg : Array.isArray(arg) ? arg[0] : undefined;
      const local = Array.isArray(arg) && isRecord(arg[1]) ? Object.keys(arg[1]) : [];
      if (typeof text === "string") {
        for (const v of subVariables(text)) {
          if (!local.includes(v)) add(v.split(".")[0]!);
        }
      }
      if (Array.isArray(arg)) collectReferences(arg[1], [...path, key, 1], names, out);
      return;
    }
  }
  for (const k of keys) collectReferences(value[k], [...path, k], names, out);
}

export interface DependencyGraph {
  /** Logical IDs in template order. */
  nodes: string[];
  /** For each node, what it depends on (with the place each reference is written). */
  edges: Map<string, Reference[]>;
}

/**
 * Builds the graph among `include` (default: every resource). A DependsOn naming a resource that
 * does not exist is an error, as in CloudFormation.
 */
export function dependencyGraph(
  parsed: { template: CfnTemplate; locations?: SourceLocations; sourceName: string },
  include?: ReadonlySet<string>,
): DependencyGraph {
  const all = Object.keys(parsed.template.Resources);
  const nodes = include ? all.filter((id) => include.has(id)) : all;
  const names = new Set(nodes);
  const edges = new Map<string, Reference[]>();
  for (const id of nodes) {
    const res = parsed.template.Resources[id]!;
    const refs: Reference[] = [];
    collectReferences(res.Properties, ["Resources", id, "Properties"], names, refs);
    const dependsOn = res.DependsOn === undefined ? [] : [res.DependsOn].flat();
    dependsOn.forEach((target, i) => {
      const path: Path = [
        "Resources",
        id,
        "DependsOn",
        ...(Array.isArray(res.DependsOn) ? [i] : []),
      ];
      if (!(target in parsed.template.Resources)) {
        throw new TemplateError(
          "unknown-reference",
          `DependsOn names ${JSON.stringify(target)}, which is not a resource in this template`,
          { locations: parsed.locations, sourceName: parsed.sourceName, path },
        );
      }
      if (names.has(target)) refs.push({ target, path });
    });
    edges.set(id, refs);
  }
  return { nodes, edges };
}

/**
 * Topological order (dependencies first). Ties keep template order, so the result is
 * deterministic. A cycle is a located error naming every resource on it.
 */
export function topologicalOrder(
  graph: DependencyGraph,
  where: { locations?: SourceLocations; sourceName: string },
): string[] {
  // Kahn's algorithm, always taking the earliest ready node in template order (a heap of template
  // indexes): the same order as scanning for the first ready node each time, without the n² scan.
  const index = new Map<string, number>();
  for (let i = 0; i < graph.nodes.length; i++) index.set(graph.nodes[i]!, i);
  const waiting = new Array<number>(graph.nodes.length).fill(0);
  const dependents: number[][] = graph.nodes.map(() => []);
  graph.nodes.forEach((id, i) => {
    for (const r of graph.edges.get(id)!) {
      const t = index.get(r.target);
      waiting[i]!++;
      // A target outside the graph is never done: its dependent never becomes ready.
      if (t !== undefined) dependents[t]!.push(i);
    }
  });
  const ready = new MinHeap();
  waiting.forEach((w, i) => {
    if (w === 0) ready.push(i);
  });
  const done = new Set<string>();
  const order: string[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    const id = graph.nodes[i]!;
    done.add(id);
    order.push(id);
    for (const d of dependents[i]!) if (--waiting[d]! === 0) ready.push(d);
  }
  if (order.length < graph.nodes.length) throw cycleError(graph, done, where);
  return order;
}

class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(v: number): void {
    const a = this.items;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1]! < a[l]! ? l + 1 : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

function cycleError(
  graph: DependencyGraph,
  done: ReadonlySet<string>,
  where: { locations?: SourceLocations; sourceName: string },
): TemplateError {
  // Every remaining node has an unfinished dependency, so walking those edges must revisit a node.
  const start = graph.nodes.find((id) => !done.has(id))!;
  const trail: { id: string; via?: Reference }[] = [{ id: start }];
  const seen = new Map<string, number>([[start, 0]]);
  for (;;) {
    const current = trail[trail.length - 1]!.id;
    const via = graph.edges.get(current)!.find((r) => !done.has(r.target))!;
    const at = seen.get(via.target);
    trail[trail.length - 1]!.via = via;
    if (at !== undefined) {
      const cycle = trail.slice(at);
      const names = [...cycle.map((c) => c.id), via.target].join(" → ");
      return new TemplateError(
        "circular-reference",
        `circular dependency between resources: ${names}`,
        { ...where, path: cycle[0]!.via!.path },
        {
          hint: "Break the cycle: remove a Ref/GetAtt/Sub or DependsOn, or move a value into a parameter.",
        },
      );
    }
    seen.set(via.target, trail.length);
    trail.push({ id: via.target });
  }
}

/** Resources in the order CloudFormation may create them (dependencies first). */
export function dependencyOrder(template: ParsedTemplate | CfnTemplate): string[] {
  const parsed = asParsedTemplate(template);
  return topologicalOrder(dependencyGraph(parsed), parsed);
}
