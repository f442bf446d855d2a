/**
 * Reading `bitbucket-pipelines.yml`: every step, wherever it sits (default, branches, tags,
 * bookmarks, pull-requests, custom; inside `parallel` and `stage`), with the facts that decide
 * whether it can get an OIDC token and where its traffic comes from, and the position of each,
 * so a linter can point at the line. YAML anchors, aliases and `<<` merge keys are followed, as
 * Bitbucket does; a step reached through an alias is reported where the alias is used.
 *
 * What Bitbucket documents, and this module encodes:
 * - `oidc: true` on a step gives it `$BITBUCKET_STEP_OIDC_TOKEN`. A step may instead write
 *   `oidc: { audiences: [...] }` (custom audiences), which also turns tokens on.
 * - `options: oidc: audiences: [...]` sets audiences for every step; it does not turn tokens on.
 *   Assumption [U]: there is no global switch that gives every step a token (see
 *   GLOBAL_OIDC_ENABLES_STEPS), so each step that needs one must say `oidc: true`.
 * - `runtime: cloud: atlassian-ip-ranges: true` (step, or global `options`) makes a step egress
 *   from Atlassian's published ranges; it only takes effect on 4x/8x steps (`size`).
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type YAMLMap,
} from "yaml";
import { InputError } from "../errors.js";

/** [U] docs/aws-behaviour.md "Tokens and claims": no global switch turns on tokens for all steps. Kept in one place. */
export const GLOBAL_OIDC_ENABLES_STEPS = false;

/** Step sizes on which `atlassian-ip-ranges` takes effect. */
export const STATIC_EGRESS_SIZES: readonly string[] = ["4x", "8x"];

/** 1-based, as editors show them. */
export interface PipelinePosition {
  line: number;
  column: number;
}

/** One entry of `script` / `after-script`: a shell command, or a `pipe:` with its variables. */
export interface ScriptEntry {
  /** The command text; for a pipe, `pipe: <name>`. */
  text: string;
  position: PipelinePosition;
  pipe?: string;
  /** A pipe's `variables`, as text (non-string values are written as YAML would show them). */
  variables?: Record<string, string>;
}

export interface PipelineStep {
  /** Where the step is, e.g. `pipelines.branches.main[0].step` or `…[1].parallel[0].step`. */
  path: string;
  position: PipelinePosition;
  name?: string;
  /** `oidc: true`, or an `oidc` mapping (custom audiences). */
  oidc: boolean;
  /** Where `oidc` is written, when it is. */
  oidcPosition?: PipelinePosition;
  /** Custom audiences asked for by this step (`oidc: audiences:`). */
  audiences: string[];
  deployment?: string;
  /** The step's size, or the global `options: size`; undefined means the default (1x). */
  size?: string;
  /** `runtime: cloud: atlassian-ip-ranges: true` on the step or in global options. */
  atlassianIpRanges: boolean;
  /** `image: aws: oidc-role:` (an ECR image pulled with OIDC), on the step or globally. */
  imageOidcRole?: string;
  script: ScriptEntry[];
  afterScript: ScriptEntry[];
}

export interface PipelinesFile {
  source: string;
  steps: PipelineStep[];
  /** `options: oidc: audiences:`. */
  globalAudiences: string[];
  /** True when `options.oidc` is literally `true` (see GLOBAL_OIDC_ENABLES_STEPS). */
  globalOidcFlag: boolean;
}

const SECTIONS_WITH_NAMES = ["branches", "tags", "bookmarks", "pull-requests", "custom"];

/** True when a parsed YAML value has the shape of a pipelines file (a `pipelines` mapping). */
export function looksLikePipelines(value: unknown): boolean {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const p = (value as Record<string, unknown>).pipelines;
  return !!p && typeof p === "object" && !Array.isArray(p);
}

/** Parses a `bitbucket-pipelines.yml`. Syntax errors are an `InputError` naming `source:line:col`. */
export function readPipelines(text: string, source: string): PipelinesFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new InputError(
      `${source}:${line}:${col}: not valid YAML: ${first.message.split("\n")[0]}`,
      { hint: "Fix the YAML syntax; Bitbucket would refuse this file too." },
    );
  }
  const reader = new Reader(doc, lineCounter, source);
  return reader.read();
}

type Get = (key: string) => Node | undefined;

class Reader {
  private readonly steps: PipelineStep[] = [];
  private globalSize: string | undefined;
  private globalIpRanges = false;
  private globalImageRole: string | undefined;

  constructor(
    private readonly doc: ReturnType<typeof parseDocument>,
    private readonly lines: LineCounter,
    private readonly source: string,
  ) {}

  read(): PipelinesFile {
    const root = this.deref(this.doc.contents as Node | null);
    if (!isMap(root)) {
      throw new InputError(`${this.source}: a pipelines file is a mapping with a "pipelines" key`);
    }
    const top = this.getter(root);
    const options = this.getter(top("options"));
    this.globalSize = this.text(options("size"));
    this.globalIpRanges = this.ipRanges(options("runtime"));
    this.globalImageRole = this.imageRole(top("image"));
    const oidcOption = this.deref(options("oidc"));
    const globalAudiences = isMap(oidcOption)
      ? this.strings(this.getter(oidcOption)("audiences"))
      : [];
    const globalOidcFlag = isScalar(oidcOption) && oidcOption.value === true;

    const pipelines = this.deref(top("pipelines"));
    if (!isMap(pipelines)) {
      throw new InputError(
        `${this.source}: no "pipelines" mapping; this is not a bitbucket-pipelines.yml`,
      );
    }
    for (const pair of this.pairs(pipelines)) {
      const section = this.keyText(pair);
      const value = this.deref(pair.value as Node | null);
      if (SECTIONS_WITH_NAMES.includes(section) && isMap(value)) {
        for (const inner of this.pairs(value)) {
          this.items(
            this.deref(inner.value as Node | null),
            `pipelines.${section}.${quote(this.keyText(inner))}`,
            undefined,
          );
        }
      } else {
        this.items(value, `pipelines.${section}`, undefined);
      }
    }
    return { source: this.source, steps: this.steps, globalAudiences, globalOidcFlag };
  }

  /** A list of pipeline items: `step`, `parallel`, `stage` (others, such as `variables`, are skipped). */
  private items(list: Node | undefined, path: string, deployment: string | undefined): void {
    if (!isSeq(list)) return;
    list.items.forEach((raw, i) => {
      const itemNode = raw as Node;
      const item = this.deref(itemNode);
      if (!isMap(item)) return;
      const get = this.getter(item);
      const here = `${path}[${i}]`;
      const step = get("step");
      if (step !== undefined) this.step(step, `${here}.step`, deployment, this.pos(itemNode));
      const parallel = this.deref(get("parallel"));
      if (parallel !== undefined) {
        // `parallel: [- step]` or, newer, `parallel: { fail-fast, steps: [- step] }`.
        const inner = isMap(parallel) ? this.deref(this.getter(parallel)("steps")) : parallel;
        this.items(inner, `${here}.parallel`, deployment);
      }
      const stage = this.deref(get("stage"));
      if (isMap(stage)) {
        const s = this.getter(stage);
        this.items(
          this.deref(s("steps")),
          `${here}.stage.steps`,
          this.text(s("deployment")) ?? deployment,
        );
      }
    });
  }

  private step(
    raw: Node,
    path: string,
    inherited: string | undefined,
    itemPos: PipelinePosition,
  ): void {
    const node = this.deref(raw);
    if (!isMap(node)) return;
    const get = this.getter(node);
    const oidcNode = this.deref(get("oidc"));
    const oidcMapping = isMap(oidcNode);
    const step: PipelineStep = {
      path,
      // An aliased step (`- step: *build`) is reported where it is used.
      position: isAlias(raw) ? this.pos(raw) : itemPos,
      oidc: (isScalar(oidcNode) && oidcNode.value === true) || oidcMapping,
      audiences: oidcMapping ? this.strings(this.getter(oidcNode)("audiences")) : [],
      atlassianIpRanges: this.ipRanges(get("runtime")) || this.globalIpRanges,
      script: this.script(get("script")),
      afterScript: this.script(get("after-script")),
    };
    const oidcKey = this.keyNode(node, "oidc");
    if (oidcKey) step.oidcPosition = this.pos(oidcKey);
    const name = this.text(get("name"));
    if (name !== undefined) step.name = name;
    const deployment = this.text(get("deployment")) ?? inherited;
    if (deployment !== undefined) step.deployment = deployment;
    const size = this.text(get("size")) ?? this.globalSize;
    if (size !== undefined) step.size = size;
    const role = this.imageRole(get("image")) ?? this.globalImageRole;
    if (role !== undefined) step.imageOidcRole = role;
    this.steps.push(step);
  }

  private script(raw: Node | undefined): ScriptEntry[] {
    const list = this.deref(raw);
    if (!isSeq(list)) return [];
    const out: ScriptEntry[] = [];
    for (const itemRaw of list.items) {
      const item = this.deref(itemRaw as Node);
      const position = this.pos(itemRaw as Node);
      if (isScalar(item)) {
        out.push({ text: String(item.value ?? ""), position });
      } else if (isMap(item)) {
        const get = this.getter(item);
        const pipe = this.text(get("pipe"));
        if (pipe === undefined) continue;
        const variables: Record<string, string> = {};
        const vars = this.deref(get("variables"));
        if (isMap(vars)) {
          for (const pair of this.pairs(vars)) {
            const v = this.deref(pair.value as Node | null);
            variables[this.keyText(pair)] = isScalar(v) ? String(v.value ?? "") : String(v ?? "");
          }
        }
        out.push({ text: `pipe: ${pipe}`, position, pipe, variables });
      }
    }
    return out;
  }

  private ipRanges(runtime: Node | undefined): boolean {
    const r = this.deref(runtime);
    if (!isMap(r)) return false;
    const cloud = this.deref(this.getter(r)("cloud"));
    if (!isMap(cloud)) return false;
    const flag = this.deref(this.getter(cloud)("atlassian-ip-ranges"));
    return isScalar(flag) && flag.value === true;
  }

  private imageRole(image: Node | undefined): string | undefined {
    const i = this.deref(image);
    if (!isMap(i)) return undefined;
    const aws = this.deref(this.getter(i)("aws"));
    return isMap(aws) ? this.text(this.getter(aws)("oidc-role")) : undefined;
  }

  // ---- YAML helpers ------------------------------------------------------------------------

  private deref(node: Node | null | undefined, depth = 0): Node | undefined {
    if (node === null || node === undefined) return undefined;
    if (isAlias(node)) {
      // Alias chains deeper than this are a loop or hostile input.
      if (depth > 50) return undefined;
      return this.deref(node.resolve(this.doc) as Node | undefined, depth + 1);
    }
    return node;
  }

  /** The mapping's own pairs, then those merged in with `<<` (own keys win, as YAML says). */
  private pairs(map: YAMLMap, depth = 0): Pair[] {
    const own: Pair[] = [];
    const merged: Pair[] = [];
    for (const item of map.items as Pair[]) {
      if (isMergeKey(item)) {
        if (depth > 50) continue;
        const v = this.deref(item.value as Node | null);
        const sources = isSeq(v) ? v.items.map((s) => this.deref(s as Node)) : [v];
        for (const s of sources) if (isMap(s)) merged.push(...this.pairs(s, depth + 1));
      } else {
        own.push(item);
      }
    }
    const seen = new Set(own.map((p) => this.keyText(p)));
    return [...own, ...merged.filter((p) => !seen.has(this.keyText(p)))];
  }

  private getter(node: Node | undefined): Get {
    const map = this.deref(node);
    if (!isMap(map)) return () => undefined;
    const index = new Map<string, Node>();
    for (const pair of this.pairs(map)) {
      const k = this.keyText(pair);
      if (!index.has(k) && pair.value !== null) index.set(k, pair.value as Node);
    }
    return (key) => index.get(key);
  }

  private keyNode(map: YAMLMap, key: string): Node | undefined {
    for (const pair of this.pairs(map)) if (this.keyText(pair) === key) return pair.key as Node;
    return undefined;
  }

  private keyText(pair: Pair): string {
    const k = pair.key as Node | null;
    return isScalar(k) ? String(k.value) : "";
  }

  private text(node: Node | undefined): string | undefined {
    const n = this.deref(node);
    if (!isScalar(n) || n.value === null || n.value === undefined) return undefined;
    return String(n.value);
  }

  private strings(node: Node | undefined): string[] {
    const n = this.deref(node);
    if (isScalar(n)) return n.value === null ? [] : [String(n.value)];
    if (!isSeq(n)) return [];
    return n.items.map((i) => this.text(i as Node)).filter((s): s is string => s !== undefined);
  }

  private pos(node: Node): PipelinePosition {
    const { line, col } = this.lines.linePos(node.range?.[0] ?? 0);
    return { line, column: col };
  }
}

function isMergeKey(pair: Pair): boolean {
  const k = pair.key as Node | null;
  return isScalar(k) && (typeof k.value === "symbol" || (k.value === "<<" && k.source === "<<"));
}

function quote(name: string): string {
  return /^[\w-]+$/.test(name) ? name : JSON.stringify(name);
}
