/**
 * A fast reader for the plain block YAML that bb-oidc writes and that configs and templates are
 * mostly made of: block mappings and sequences, one-line flow collections, plain and quoted
 * one-line scalars, local tags (`!Ref`), comments. It gives exactly what the YAML library and the
 * walker in located-yaml.ts give (value, positions, raw text) — and gives up (undefined) on
 * anything else: anchors, block scalars, multi-line scalars, directives, tabs, CRLF, number forms
 * other than decimal integers, duplicate keys, unknown tags. The library then reads the text.
 * Why: the library reads about 2 MB/s, and a 1,000-role template is 1.3 MB, read by each of
 * template, lint and who-can (bench/provision.mjs).
 */
import { lineStartsOf, positionIn } from "./located-json.js";
import type { LocatedDocument, LocatedYamlOptions, NodeKind } from "./located-yaml.js";
import {
  type LocationNode,
  locationRecorder,
  type PathSegment,
  SourceLocations,
} from "./source-locations.js";

/** Thrown to give up; caught in readBlockYaml only. */
class NotBlockYaml {}
const GIVE_UP = new NotBlockYaml();
function giveUp(): never {
  throw GIVE_UP;
}

interface Line {
  /** Column of the first character (spaces before it). */
  indent: number;
  /** Offset of the first character, and of the line's end (before "\n"). */
  start: number;
  end: number;
}

const MAX_DEPTH = 100;
// YAML 1.2 core schema, as the library resolves plain scalars.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
const DECIMAL = /^[-+]?[0-9]+$/;
/** Anything else that may be a number (floats, 0o/0x, .inf, .nan): left to the library. */
const NUMBERISH = /^[-+]?\.?[0-9]|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/;
/** Characters a plain scalar may not start with (`-` followed by a non-space is fine). */
const INDICATOR = new Set([
  "?",
  ":",
  ",",
  "[",
  "]",
  "{",
  "}",
  "#",
  "&",
  "*",
  "!",
  "|",
  ">",
  "'",
  '"',
  "%",
  "@",
  "`",
]);
const ESCAPES: Record<string, string> = {
  "\\": "\\",
  '"': '"',
  "/": "/",
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  f: "\f",
  "0": "\0",
};

export function readBlockYaml(
  text: string,
  sourceName: string,
  options: LocatedYamlOptions = {},
): LocatedDocument | undefined {
  if (/[\t\r\uFEFF]/.test(text)) return undefined;
  const lines: Line[] = [];
  let from = 0;
  while (from <= text.length) {
    let end = text.indexOf("\n", from);
    if (end < 0) end = text.length;
    let s = from;
    while (s < end && text.charCodeAt(s) === 32) s++;
    if (s < end && text[s] !== "#") {
      // Directives and document markers are the library's business.
      if (s === from && (text[s] === "%" || text.startsWith("---", s) || text.startsWith("...", s)))
        return undefined;
      lines.push({ indent: s - from, start: s, end });
    }
    from = end + 1;
  }
  if (lines.length === 0) return undefined;
  const locations = new SourceLocations(sourceName);
  const starts = lineStartsOf(text);
  const root = locationRecorder(locations, (offset) => positionIn(starts, offset));
  const reader = new Reader(text, lines, options);
  try {
    if (lines[0]!.indent !== 0) return undefined;
    const value = reader.block(0, root, 0);
    if (reader.i < lines.length) return undefined;
    return { value, locations, problems: [] };
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
}

class Reader {
  i = 0;
  private readonly path: PathSegment[] = [];

  constructor(
    private readonly text: string,
    private readonly lines: Line[],
    private readonly options: LocatedYamlOptions,
  ) {}

  private isDash(line: Line): boolean {
    const next = this.text.charCodeAt(line.start + 1);
    return this.text[line.start] === "-" && (line.start + 1 === line.end || next === 32);
  }

  /** The block starting at line i, whose lines have `indent`. */
  block(indent: number, loc: LocationNode, depth: number): unknown {
    if (depth > MAX_DEPTH) giveUp();
    const line = this.lines[this.i]!;
    if (line.indent !== indent) giveUp();
    return this.isDash(line) ? this.sequence(indent, loc, depth) : this.mapping(indent, loc, depth);
  }

  private sequence(indent: number, loc: LocationNode, depth: number): unknown[] {
    if (depth > MAX_DEPTH) giveUp();
    const out: unknown[] = [];
    loc.value = this.lines[this.i]!.start;
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!;
      if (line.indent < indent) break;
      if (line.indent > indent || !this.isDash(line)) giveUp();
      let s = line.start + 1;
      while (s < line.end && this.text.charCodeAt(s) === 32) s++;
      if (s >= line.end || this.text[s] === "#") giveUp();
      const child = loc.child(out.length);
      this.path.push(out.length);
      const nestedDash =
        this.text[s] === "-" && (s + 1 === line.end || this.text.charCodeAt(s + 1) === 32);
      if (nestedDash) {
        // `- - a`: a sequence whose first item is on the outer dash's line.
        line.indent = s - (line.start - line.indent);
        line.start = s;
        out.push(this.sequence(line.indent, child, depth + 1));
      } else if (this.keyEnd(s, line.end) >= 0) {
        // `- key: value`: a mapping whose first key is on the dash's line.
        line.indent = s - (line.start - line.indent);
        line.start = s;
        out.push(this.mapping(line.indent, child, depth + 1));
      } else {
        out.push(this.inline(s, line, indent, child, depth + 1));
      }
      this.path.pop();
    }
    return out;
  }

  /** Where the `:` of a `key: value` on this line is (-1 when the line is not one). */
  private keyEnd(s: number, end: number): number {
    const t = this.text;
    const c = t[s];
    if (c === '"' || c === "'") {
      const close = c === '"' ? this.doubleQuotedEnd(s, end) : this.singleQuotedEnd(s, end);
      const colon = close + 1;
      return t[colon] === ":" && (colon + 1 === end || t.charCodeAt(colon + 1) === 32) ? colon : -1;
    }
    for (let k = s; k < end; k++) {
      const ch = t[k];
      if (ch === ":" && (k + 1 === end || t.charCodeAt(k + 1) === 32)) return k;
      if (ch === "#" && t.charCodeAt(k - 1) === 32) return -1;
    }
    return -1;
  }

  private mapping(indent: number, loc: LocationNode, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) giveUp();
    const t = this.text;
    const out: Record<string, unknown> = {};
    loc.value = this.lines[this.i]!.start;
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!;
      if (line.indent < indent) break;
      if (line.indent > indent || this.isDash(line)) giveUp();
      const colon = this.keyEnd(line.start, line.end);
      if (colon < 0) giveUp();
      const key = this.keyText(line.start, colon);
      if (Object.hasOwn(out, key)) giveUp();
      const child = loc.child(key);
      child.key = line.start;
      let s = colon + 1;
      while (s < line.end && t.charCodeAt(s) === 32) s++;
      this.path.push(key);
      let value: unknown = null;
      if (s >= line.end || t[s] === "#") {
        this.i++;
        const next = this.lines[this.i];
        if (next && (next.indent > indent || (next.indent === indent && this.isDash(next))))
          value = this.block(next.indent, child, depth + 1);
        else {
          // The library's empty scalar, right after the colon.
          if (colon + 1 !== line.end) giveUp();
          child.value = colon + 1;
          child.raw = "";
        }
      } else {
        value = this.inline(s, line, indent, child, depth + 1);
      }
      this.path.pop();
      if (key === "__proto__")
        Object.defineProperty(out, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = value;
    }
    return out;
  }

  private keyText(s: number, colon: number): string {
    const t = this.text;
    if (t[s] === '"') return this.doubleQuoted(s, colon - 1);
    if (t[s] === "'") return this.singleQuoted(s, colon - 1);
    const raw = t.slice(s, colon);
    if (
      raw === "" ||
      raw !== raw.trimEnd() ||
      INDICATOR.has(raw[0]!) ||
      (raw[0] === "-" && raw[1] === " ")
    )
      giveUp();
    const v = this.resolve(raw);
    return v === null ? "" : String(v);
  }

  /**
   * The value starting at `s` on `line` (after `key: ` or `- `), owned by an entry at `indent`;
   * a tag alone on the line takes the block below it.
   */
  private inline(s: number, line: Line, indent: number, loc: LocationNode, depth: number): unknown {
    const t = this.text;
    if (t[s] === "!") {
      let e = s;
      while (e < line.end && t.charCodeAt(e) !== 32) e++;
      const tag = t.slice(s, e);
      if (tag.startsWith("!!") || tag.includes("<") || !this.options.planTag) giveUp();
      let v = e;
      while (v < line.end && t.charCodeAt(v) === 32) v++;
      let kind: NodeKind;
      let nested: Line | undefined;
      if (v >= line.end || t[v] === "#") {
        nested = this.lines[this.i + 1];
        if (!nested || nested.indent <= indent) giveUp();
        kind = this.isDash(nested) ? "sequence" : "mapping";
      } else kind = t[v] === "[" ? "sequence" : t[v] === "{" ? "mapping" : "scalar";
      const plan = this.options.planTag(tag, kind);
      if ("problem" in plan) giveUp();
      loc.value = s;
      const inner = loc.child(plan.key);
      this.path.push(plan.key);
      let value: unknown;
      if (nested) {
        this.i++;
        value = this.block(nested.indent, inner, depth + 1);
      } else if (kind === "scalar") {
        value = this.scalarText(v, line);
        inner.value = v;
        this.endOfEntry(indent);
      } else value = this.inline(v, line, indent, inner, depth + 1);
      this.path.pop();
      return { [plan.key]: plan.transform ? plan.transform(value) : value };
    }
    let value: unknown;
    if (t[s] === "[" || t[s] === "{") {
      const r = this.flow(s, line.end, loc, depth);
      this.restIsComment(r.end, line.end);
      value = r.value;
    } else {
      value = this.scalar(s, line, loc);
    }
    this.endOfEntry(indent);
    return value;
  }

  /** After a one-line value: the next line may not continue it. */
  private endOfEntry(indent: number): void {
    this.i++;
    const next = this.lines[this.i];
    if (next && next.indent > indent) giveUp();
  }

  private restIsComment(from: number, end: number): void {
    let k = from;
    while (k < end && this.text.charCodeAt(k) === 32) k++;
    if (k < end && !(this.text[k] === "#" && k > from)) giveUp();
  }

  /** A one-line scalar in block context, resolved as the library does (raw kept when not a string). */
  private scalar(s: number, line: Line, loc: LocationNode): unknown {
    loc.value = s;
    const quoted = this.quotedScalar(s, line);
    if (quoted !== undefined) return quoted;
    const raw = this.plainText(s, line.end);
    const v = this.resolve(raw);
    if (typeof v !== "string") loc.raw = raw;
    return v;
  }

  /** A one-line quoted scalar starting at `s` (nothing but a comment after it); undefined if unquoted. */
  private quotedScalar(s: number, line: Line): string | undefined {
    const t = this.text;
    if (t[s] !== '"' && t[s] !== "'") return undefined;
    const close =
      t[s] === '"' ? this.doubleQuotedEnd(s, line.end) : this.singleQuotedEnd(s, line.end);
    this.restIsComment(close + 1, line.end);
    return t[s] === '"' ? this.doubleQuoted(s, close) : this.singleQuoted(s, close);
  }

  /** A tagged scalar keeps its text (`!Ref 123` names "123"). */
  private scalarText(s: number, line: Line): string {
    const quoted = this.quotedScalar(s, line);
    if (quoted !== undefined) return quoted;
    const t = this.text;
    if (t[s] === "[" || t[s] === "{") giveUp();
    return this.plainText(s, line.end);
  }

  private plainText(s: number, end: number): string {
    const t = this.text;
    const c = t[s]!;
    if (INDICATOR.has(c) || (c === "-" && (s + 1 === end || t.charCodeAt(s + 1) === 32))) giveUp();
    let e = end;
    for (let k = s; k < end; k++) {
      if (t[k] === "#" && t.charCodeAt(k - 1) === 32) {
        e = k;
        break;
      }
      if (t[k] === ":" && (k + 1 === end || t.charCodeAt(k + 1) === 32)) giveUp();
    }
    while (e > s && t.charCodeAt(e - 1) === 32) e--;
    return t.slice(s, e);
  }

  private resolve(raw: string): unknown {
    if (NULL.test(raw)) return null;
    if (TRUE.test(raw)) return true;
    if (FALSE.test(raw)) return false;
    if (DECIMAL.test(raw)) return Number.parseInt(raw, 10);
    if (NUMBERISH.test(raw) || /^0[ox]/.test(raw)) giveUp();
    return raw;
  }

  /** Offset of the closing quote (giving up when the string does not close on this line). */
  private doubleQuotedEnd(s: number, end: number): number {
    for (let k = s + 1; k < end; k++) {
      const c = this.text[k];
      if (c === "\\") k++;
      else if (c === '"') return k;
    }
    return giveUp();
  }

  private singleQuotedEnd(s: number, end: number): number {
    for (let k = s + 1; k < end; k++) {
      if (this.text[k] === "'") {
        if (this.text[k + 1] === "'") k++;
        else return k;
      }
    }
    return giveUp();
  }

  private doubleQuoted(s: number, close: number): string {
    const body = this.text.slice(s + 1, close);
    if (!body.includes("\\")) return body;
    let out = "";
    for (let k = 0; k < body.length; k++) {
      const c = body[k]!;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = body[++k]!;
      if (e in ESCAPES) out += ESCAPES[e];
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(body.slice(k + 1, k + 5))) {
        const code = Number.parseInt(body.slice(k + 1, k + 5), 16);
        if (code >= 0xd800 && code <= 0xdfff) giveUp();
        out += String.fromCharCode(code);
        k += 4;
      } else giveUp();
    }
    return out;
  }

  private singleQuoted(s: number, close: number): string {
    return this.text.slice(s + 1, close).replaceAll("''", "'");
  }

  /** A flow collection that closes on its line; `end` is the line's end. */
  private flow(
    s: number,
    end: number,
    loc: LocationNode,
    depth: number,
  ): { value: unknown; end: number } {
    if (depth > MAX_DEPTH) giveUp();
    const t = this.text;
    loc.value = s;
    const isMap = t[s] === "{";
    const close = isMap ? "}" : "]";
    const out: unknown[] = [];
    const map: Record<string, unknown> = {};
    let k = s + 1;
    const skip = () => {
      while (k < end && t.charCodeAt(k) === 32) k++;
    };
    skip();
    if (t[k] === close) return { value: isMap ? map : out, end: k + 1 };
    for (;;) {
      skip();
      if (isMap) {
        const keyStart = k;
        let key: string;
        if (t[k] === '"' || t[k] === "'") {
          const q = t[k] === '"' ? this.doubleQuotedEnd(k, end) : this.singleQuotedEnd(k, end);
          key = t[k] === '"' ? this.doubleQuoted(k, q) : this.singleQuoted(k, q);
          k = q + 1;
          if (t[k] !== ":") giveUp();
        } else {
          const r = this.flowPlain(k, end);
          if (t[r.end] !== ":") giveUp();
          const v = this.resolve(r.text);
          key = v === null ? "" : String(v);
          k = r.end;
        }
        if (t.charCodeAt(k + 1) !== 32 || Object.hasOwn(map, key) || key === "__proto__") giveUp();
        k++;
        skip();
        const child = loc.child(key);
        child.key = keyStart;
        this.path.push(key);
        map[key] = this.flowItem(k, end, child, depth, (e) => (k = e));
        this.path.pop();
      } else {
        const child = loc.child(out.length);
        this.path.push(out.length);
        out.push(this.flowItem(k, end, child, depth, (e) => (k = e)));
        this.path.pop();
      }
      skip();
      if (t[k] === close) return { value: isMap ? map : out, end: k + 1 };
      if (t[k] !== ",") giveUp();
      k++;
      skip();
      if (t[k] === close || t[k] === ",") giveUp();
    }
  }

  private flowItem(
    k: number,
    end: number,
    loc: LocationNode,
    depth: number,
    moveTo: (e: number) => void,
  ): unknown {
    const t = this.text;
    if (t[k] === "[" || t[k] === "{") {
      const r = this.flow(k, end, loc, depth + 1);
      moveTo(r.end);
      return r.value;
    }
    loc.value = k;
    if (t[k] === '"' || t[k] === "'") {
      const q = t[k] === '"' ? this.doubleQuotedEnd(k, end) : this.singleQuotedEnd(k, end);
      moveTo(q + 1);
      return t[k] === '"' ? this.doubleQuoted(k, q) : this.singleQuoted(k, q);
    }
    const r = this.flowPlain(k, end);
    if (t[r.end] === ":") giveUp();
    moveTo(r.end);
    const v = this.resolve(r.text);
    if (typeof v !== "string") loc.raw = r.text;
    return v;
  }

  /** A plain scalar in a flow collection: up to `,` `]` `}`, `: ` or ` #`. */
  private flowPlain(s: number, end: number): { text: string; end: number } {
    const t = this.text;
    const c = t[s];
    if (c === undefined || INDICATOR.has(c) || (c === "-" && t.charCodeAt(s + 1) === 32)) giveUp();
    let k = s;
    for (; k < end; k++) {
      const ch = t[k];
      if (ch === "," || ch === "]" || ch === "}") break;
      if (ch === "[" || ch === "{") giveUp();
      if (ch === "#" && t.charCodeAt(k - 1) === 32) giveUp();
      if (ch === ":") {
        const n = t[k + 1];
        if (n === " " || n === undefined || k + 1 === end) break;
        if (n === "," || n === "]" || n === "}" || n === "[" || n === "{") giveUp();
      }
    }
    let e = k;
    while (e > s && t.charCodeAt(e - 1) === 32) e--;
    if (e === s) giveUp();
    return { text: t.slice(s, e), end: k };
  }
}
