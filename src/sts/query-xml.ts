/**
 * A small XML reader for STS's Query answers (docs/aws-behaviour.md "STS's Query protocol and
 * endpoints"): elements, text, CDATA and the five named and numeric character references.
 * Comments, processing instructions and a DOCTYPE are skipped; DOCTYPE entities are never
 * expanded. Text is kept as sent (no trimming), as the AWS SDK keeps it. Anything malformed
 * throws XmlSyntaxError: the caller treats the answer as not an AWS document.
 */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** The element's own text (its text and CDATA children joined). */
  text: string;
}

export class XmlSyntaxError extends Error {
  override name = "XmlSyntaxError";
}

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const NAME = /^[A-Za-z_:][\w.:-]*/;

function decodeText(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref[0] !== "#") return NAMED[ref] ?? whole;
    const code = ref[1] === "x" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

export function parseXml(src: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (what: string): never => {
    throw new XmlSyntaxError(`${what} at offset ${i}`);
  };
  const skipPast = (end: string) => {
    const at = src.indexOf(end, i);
    if (at < 0) fail(`unterminated ${end === "-->" ? "comment" : "markup"}`);
    i = at + end.length;
  };
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) {
      const raw = src.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeText(raw);
      else if (raw.trim()) fail("text outside the root element");
      i = textEnd;
      continue;
    }
    if (src.startsWith("<!--", i)) {
      skipPast("-->");
    } else if (src.startsWith("<![CDATA[", i)) {
      const top = stack[stack.length - 1];
      if (!top) fail("CDATA outside the root element");
      const end = src.indexOf("]]>", i);
      if (end < 0) fail("unterminated CDATA");
      top!.text += src.slice(i + 9, end);
      i = end + 3;
    } else if (src.startsWith("<?", i)) {
      skipPast("?>");
    } else if (src.startsWith("<!DOCTYPE", i)) {
      if (root || stack.length) fail("DOCTYPE after the root element started");
      // An internal subset ([...]) may hold '>' of its own.
      const bracket = src.indexOf("[", i);
      const close = src.indexOf(">", i);
      if (bracket >= 0 && bracket < close) {
        i = bracket;
        skipPast("]");
      }
      skipPast(">");
    } else if (src[i + 1] === "/") {
      const m = NAME.exec(src.slice(i + 2, i + 2 + 256));
      const open = stack.pop();
      if (!m || !open || open.name !== m[0]) fail("mismatched end tag");
      i += 2 + m![0].length;
      while (/\s/.test(src[i] ?? "")) i++;
      if (src[i] !== ">") fail("malformed end tag");
      i++;
    } else {
      const m = NAME.exec(src.slice(i + 1, i + 1 + 256));
      if (!m) fail("malformed start tag");
      if (root && !stack.length) fail("a second root element");
      i += 1 + m![0].length;
      // Attributes are read past (quoted values may hold '>'), not kept: STS puts nothing there.
      for (;;) {
        const c = src[i];
        if (c === undefined) fail("unterminated start tag");
        if (c === ">" || (c === "/" && src[i + 1] === ">")) break;
        if (c === '"' || c === "'") {
          const end = src.indexOf(c, i + 1);
          if (end < 0) fail("unterminated attribute value");
          i = end + 1;
        } else {
          i++;
        }
      }
      const el: XmlElement = { name: m![0], children: [], text: "" };
      stack[stack.length - 1]?.children.push(el);
      root ??= el;
      if (src[i] === "/") {
        i += 2;
      } else {
        stack.push(el);
        i++;
      }
    }
  }
  if (!root) fail("no root element");
  if (stack.length) fail(`unclosed <${stack[stack.length - 1]!.name}>`);
  return root!;
}

/** The first child element called `name`. */
export function childOf(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** The text of the element at `path` below `el`, or undefined when it is not there. */
export function textAt(el: XmlElement | undefined, ...path: string[]): string | undefined {
  let at = el;
  for (const name of path) at = childOf(at, name);
  return at?.text;
}
