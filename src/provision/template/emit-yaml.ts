/**
 * A direct writer of bb-oidc's YAML templates: block style, two-space indents, short-form tags,
 * the header and administrator-access comments — the same text the YAML library writes for them
 * (render-template.ts), about 20× faster. It gives up (undefined) on anything it is not sure the
 * library writes the same way: unusual strings (non-ASCII, quotes that need escaping, leading
 * dashes…), non-integer numbers, multi-line text. The library then writes the template.
 */

type Tagged = { tag: string; value: unknown };
const TAGGED = Symbol("tagged");
type TaggedNode = Tagged & { [TAGGED]: true };

class GiveUp {}
const GIVE_UP = new GiveUp();
function giveUp(): never {
  throw GIVE_UP;
}

export interface EmitOptions {
  header: string;
  sequenceTags: Readonly<Record<string, string>>;
  anyFormTags: Readonly<Record<string, string>>;
  /** Comment lines above a key of Resources (each starting with a space), if any. */
  commentFor(resourceId: string): string | undefined;
}

export function emitTemplateYaml(template: unknown, o: EmitOptions): string | undefined {
  written.clear();
  try {
    const out: string[] = [comment(o.header, ""), ""];
    const root = shortForms(template, o);
    if (!isPlainObject(root) || Object.keys(root).length === 0) return undefined;
    mapEntries(root, 0, out, o);
    return `${out.join("\n")}\n`;
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  } finally {
    written.clear();
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(TAGGED in v);
}

function isTagged(v: unknown): v is TaggedNode {
  return v !== null && typeof v === "object" && TAGGED in v;
}

function tagged(tag: string, value: unknown): TaggedNode {
  return { tag, value, [TAGGED]: true };
}

function isScalar(v: unknown): boolean {
  return v === null || (typeof v !== "object" && typeof v !== "function");
}

function singleIntrinsic(v: unknown): { key: string; value: unknown } | undefined {
  if (!isPlainObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  if (key !== "Ref" && !key.startsWith("Fn::")) return undefined;
  return { key, value: v[key] };
}

/** The short forms render-template.ts makes, decided on the unconverted node, top down. */
function shortForms(v: unknown, o: EmitOptions): unknown {
  if (Array.isArray(v)) return v.map((x) => shortForms(x, o));
  if (!isPlainObject(v)) return v;
  const fn = singleIntrinsic(v);
  if (fn && !singleIntrinsic(fn.value)) {
    const { key, value } = fn;
    if (key === "Ref" && isScalar(value)) return tagged("!Ref", value);
    if (key === "Fn::GetAtt" && Array.isArray(value) && value.length === 2 && value.every(isScalar))
      return tagged("!GetAtt", `${value[0]}.${value[1]}`);
    const seqTag = o.sequenceTags[key];
    if (seqTag && Array.isArray(value)) return tagged(seqTag, shortForms(value, o));
    const anyTag = o.anyFormTags[key];
    if (
      anyTag &&
      (isScalar(value) || Array.isArray(value) || (isPlainObject(value) && key !== "Fn::Sub"))
    )
      return tagged(anyTag, shortForms(value, o));
  }
  const out: Record<string, unknown> = {};
  for (const k in v) {
    const x = shortForms(v[k], o);
    if (k === "__proto__")
      Object.defineProperty(out, k, {
        value: x,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[k] = x;
  }
  return out;
}

const PADS: string[] = [];
function spaces(n: number): string {
  PADS[n] ??= " ".repeat(n);
  return PADS[n]!;
}

function comment(text: string, pad: string): string {
  return text
    .split("\n")
    .map((l) => `${pad}#${l}`)
    .join("\n");
}

// YAML 1.1 (the template's schema): plain text that would read as another type is quoted.
const V11_NOT_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON|N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
  /^[-+]?0b[0-1_]+$/,
  /^[-+]?0[0-7_]+$/,
  /^[-+]?[0-9][0-9_]*$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
  /^\d{4}-\d\d?-\d\d?$/,
  /^<<$/,
];
/** The first characters any of those can start with. */
const V11_FIRST = /^[~NnYyTtFfOo0-9+\-.<]/;
/** Printable ASCII only: other characters are the library's to judge. */
const SIMPLE = /^[\x20-\x7e]*$/;
const STARTS_PLAIN = /^[A-Za-z_/$]/;

/** Strings already written in this template (keys repeat in every resource). */
const written = new Map<string, string>();

function str(s: string): string {
  let w = written.get(s);
  if (w === undefined) {
    w = quoteLikeLibrary(s);
    written.set(s, w);
  }
  return w;
}

/** A string as the library writes it: plain when it can be, else double-quoted. */
function quoteLikeLibrary(s: string): string {
  if (!SIMPLE.test(s)) giveUp();
  const needsQuotes =
    s === "" ||
    (V11_FIRST.test(s) && V11_NOT_STRING.some((re) => re.test(s))) ||
    s.includes(": ") ||
    s.includes(" #") ||
    s.endsWith(":") ||
    s.endsWith(" ") ||
    /^[{[*&!|>%@`#,?]/.test(s);
  if (!needsQuotes) {
    if (!STARTS_PLAIN.test(s)) giveUp();
    return s;
  }
  if (s.includes('"') || s.includes("\\") || s.startsWith(" ")) giveUp();
  if (s !== "" && !/^[{[*&!|>%@`#,?0-9+.~<A-Za-z_/$-]/.test(s)) giveUp();
  return `"${s}"`;
}

function scalar(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) giveUp();
    return String(v);
  }
  if (typeof v === "string") return str(v);
  return giveUp();
}

function isEmptyCollection(v: unknown): string | undefined {
  if (Array.isArray(v) && v.length === 0) return "[]";
  if (isPlainObject(v) && Object.keys(v).length === 0) return "{}";
  return undefined;
}

function mapEntries(
  m: Record<string, unknown>,
  indent: number,
  out: string[],
  o: EmitOptions,
  first?: string,
  commentFor?: (key: string) => string | undefined,
): void {
  const pad = spaces(indent);
  let lead = first;
  for (const [k, v] of Object.entries(m)) {
    const c = commentFor?.(k);
    if (c !== undefined) {
      if (lead !== undefined) giveUp();
      out.push(comment(c, pad));
    }
    out.push(`${lead ?? pad}${str(k)}:${inlinePart(v)}`);
    lead = undefined;
    // The administrator-access warnings go above the keys of the top-level Resources.
    if (indent === 0 && first === undefined && k === "Resources" && isPlainObject(v))
      mapEntries(v, 2, out, o, undefined, o.commentFor);
    else nested(v, indent + 2, out, o);
  }
}

/** What follows `key:` or `- ` on the same line. */
function inlinePart(v: unknown): string {
  const empty = isEmptyCollection(v);
  if (empty) return ` ${empty}`;
  if (isTagged(v)) {
    if (isScalar(v.value)) return ` ${v.tag} ${scalar(v.value)}`;
    if (isEmptyCollection(v.value)) giveUp();
    return ` ${v.tag}`;
  }
  if (isScalar(v)) return ` ${scalar(v)}`;
  return "";
}

/** The lines below `key:` (a collection), at `indent`. */
function nested(v: unknown, indent: number, out: string[], o: EmitOptions): void {
  const inner = isTagged(v) ? v.value : v;
  if (isScalar(inner) || isEmptyCollection(inner)) return;
  if (Array.isArray(inner)) seqItems(inner, indent, out, o);
  else mapEntries(inner as Record<string, unknown>, indent, out, o);
}

function seqItems(
  items: unknown[],
  indent: number,
  out: string[],
  o: EmitOptions,
  first?: string,
): void {
  const pad = spaces(indent);
  let lead = first;
  for (const item of items) {
    const prefix = `${lead ?? pad}- `;
    lead = undefined;
    const empty = isEmptyCollection(item);
    if (empty) out.push(`${prefix}${empty}`);
    else if (isTagged(item)) {
      if (isScalar(item.value)) out.push(`${prefix}${item.tag} ${scalar(item.value)}`);
      else {
        if (isEmptyCollection(item.value)) giveUp();
        out.push(`${prefix}${item.tag}`);
        nested(item.value, indent + 2, out, o);
      }
    } else if (isScalar(item)) out.push(`${prefix}${scalar(item)}`);
    else if (Array.isArray(item)) seqItems(item, indent + 2, out, o, prefix);
    else mapEntries(item as Record<string, unknown>, indent + 2, out, o, prefix);
  }
}
