/**
 * The few XML shapes the Query protocol needs, written byte-for-byte as AWS writes them: no XML
 * declaration, no whitespace between elements, `xmlns` only on the root, lists as `<member>`.
 */

export interface XmlElement {
  name: string;
  children: XmlChild[];
}
export type XmlChild = XmlElement | string;
/** `undefined`/`null`/`false` children are skipped, so optional members can be written inline. */
export type XmlInput = XmlChild | XmlInput[] | undefined | null | false;

export function el(name: string, ...children: XmlInput[]): XmlElement {
  const out: XmlChild[] = [];
  addChildren(out, children);
  return { name, children: out };
}

function addChildren(out: XmlChild[], input: XmlInput[]): void {
  for (const c of input) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) addChildren(out, c);
    else out.push(c);
  }
}

/** An element holding text, or nothing at all when the value is absent (optional members). */
export function text(name: string, value: string | number | boolean | undefined | null) {
  return value === undefined || value === null ? undefined : el(name, String(value));
}

/**
 * `<Name><member>…</member>…</Name>`, the Query protocol's list shape. Each item is the member's
 * content: a string, an element, or an array of elements (a structure).
 */
export function memberList(name: string, items: XmlInput[]): XmlElement {
  return el(
    name,
    items.map((item) => el("member", item)),
  );
}

// XML 1.0 cannot carry most C0 controls even escaped; a client parser would reject the whole
// body, so they are replaced rather than passed through.
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
/** Anything either replacement below would change (no `g` flag: `test` keeps no state). */
const NEEDS_ESCAPE = /[\u0000-\u0008\u000b-\u001f\ufffe\uffff&<>]/;

/**
 * Text content escaping: `&`, `<`, `>` (and CR, which XML parsers would otherwise fold into LF).
 * Quotes stay literal, as in AWS's bodies ("Value 'x' at 'roleSessionName'"); the only attribute
 * written is the fixed namespace.
 */
export function escapeXml(value: string): string {
  // Most text (IDs, ARNs, keys, dates) needs nothing: one scan, no copies.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(INVALID_XML, "\ufffd").replace(/[&<>\r]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      default:
        return "&#xD;";
    }
  });
}

export function renderXml(node: XmlChild): string {
  if (typeof node === "string") return escapeXml(node);
  const parts: string[] = [];
  renderInto(node, parts);
  return parts.join("");
}

// One flat list of pieces joined once: rendering is on the STS hot path, and nested joins copy
// every level's text again.
function renderInto(node: XmlChild, parts: string[]): void {
  if (typeof node === "string") {
    parts.push(escapeXml(node));
    return;
  }
  parts.push(`<${node.name}>`);
  for (const child of node.children) renderInto(child, parts);
  parts.push(`</${node.name}>`);
}

function renderRoot(name: string, namespace: string, children: XmlChild[]): string {
  const parts = [`<${name} xmlns="${escapeXml(namespace)}">`];
  for (const child of children) renderInto(child, parts);
  parts.push(`</${name}>`);
  return parts.join("");
}

/**
 * `<ActionResponse xmlns><ActionResult>…</ActionResult><ResponseMetadata>…</ResponseMetadata>`.
 * `result === null` is an action without output (DeleteRole): AWS then omits the Result element.
 */
export function renderResponse(
  action: string,
  namespace: string,
  result: XmlChild[] | null,
  requestId: string,
): string {
  const children: XmlChild[] = [];
  if (result !== null) children.push(el(`${action}Result`, result));
  children.push(el("ResponseMetadata", el("RequestId", requestId)));
  return renderRoot(`${action}Response`, namespace, children);
}

export function renderError(
  namespace: string,
  error: { type: string; code: string; message: string },
  requestId: string,
): string {
  return renderRoot("ErrorResponse", namespace, [
    el("Error", el("Type", error.type), el("Code", error.code), el("Message", error.message)),
    el("RequestId", requestId),
  ]);
}
