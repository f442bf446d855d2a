// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JavaScript templates.
/** The `${…}` syntax of Fn::Sub. */

export type SubPart = { literal: string } | { variable: string };

/**
 * Splits a Fn::Sub string into literal text and variables. `${!Name}` is the escape for a literal
 * `${Name}`. Returns an error message for an unterminated `${`.
 */
export function parseSubString(text: string): SubPart[] | { error: string } {
  const parts: SubPart[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("${", i);
    if (open < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, open);
    const close = text.indexOf("}", open + 2);
    if (close < 0) return { error: `unterminated \${ at character ${open + 1}` };
    const inner = text.slice(open + 2, close);
    if (inner.startsWith("!")) {
      literal += `\${${inner.slice(1)}}`;
    } else {
      if (literal !== "") parts.push({ literal });
      literal = "";
      parts.push({ variable: inner });
    }
    i = close + 1;
  }
  if (literal !== "") parts.push({ literal });
  return parts;
}

/** The variable names a Fn::Sub string uses (for dependency scanning). */
export function subVariables(text: string): string[] {
  const parts = parseSubString(text);
  if ("error" in parts) return [];
  return parts.flatMap((p) => ("variable" in p ? [p.variable] : []));
}
