/**
 * Policy variables (`${aws:SourceIp}`, `${<provider>:sub}`, `${key, 'default'}`) in String and
 * ARN condition values and in Resource. Only Version 2012-10-17 has them; in 2008-10-17 or with
 * no Version the text is literal, as in IAM.
 *
 * A value becomes a template: pattern parts (wildcards live) interleaved with variables. The
 * escapes `${*}`, `${?}`, `${$}` give a literal `*`, `?`, `$`. A substituted value is literal
 * too: a `*` in a request value never acts as a wildcard (it cannot widen the policy).
 *
 * Malformed variable syntax (`${` without `}`, `${}`) is kept as literal text, so it can only
 * fail to match, never match more.
 */
import { type GlobPart, parseGlob, pushParts } from "./glob.js";

export interface VariableRef {
  /** As written inside `${…}` (without the default), for messages. */
  name: string;
  lowerName: string;
  /** The text of `, 'default'`, used when the key is absent. */
  fallback?: string;
}

export type TemplatePart = GlobPart | VariableRef;

export interface Template {
  parts: TemplatePart[];
  /** Whether any part is a variable; templates without one are compiled statically. */
  dynamic: boolean;
}

const VARIABLE_BODY = /^\s*([^\s,'}]+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?$/;

/** `wildcards: false` for operators that take values literally (StringEquals and kin). */
export function parseTemplate(text: string, variables: boolean, wildcards: boolean): Template {
  const parts: TemplatePart[] = [];
  const glob = (s: string): GlobPart[] => (wildcards ? parseGlob(s) : [s]);
  let dynamic = false;
  let literal: GlobPart[] = [];
  let i = 0;
  let pending = "";
  const flush = (): void => {
    if (pending) pushParts(literal, glob(pending));
    pending = "";
  };
  while (variables && i < text.length) {
    const open = text.indexOf("${", i);
    if (open < 0) break;
    const close = text.indexOf("}", open + 2);
    if (close < 0) break;
    pending += text.slice(i, open);
    const body = text.slice(open + 2, close);
    i = close + 1;
    if (body === "*" || body === "?" || body === "$") {
      flush();
      pushParts(literal, [body]);
      continue;
    }
    const m = VARIABLE_BODY.exec(body);
    if (!m) {
      pending += `\${${body}}`;
      continue;
    }
    flush();
    if (literal.length) parts.push(...literal);
    literal = [];
    const name = m[1]!;
    const ref: VariableRef = { name, lowerName: name.toLowerCase() };
    if (m[2] !== undefined) ref.fallback = m[2].replaceAll("''", "'");
    parts.push(ref);
    dynamic = true;
  }
  pending += text.slice(i);
  flush();
  parts.push(...literal);
  return { parts, dynamic };
}

/** Resolves a variable's value from the request, or undefined when it has none. */
export type Lookup = (lowerName: string) => string | readonly string[] | null;

/**
 * Glob parts with every variable substituted (as literal text), or the missing variable's
 * name. Multi-valued keys cannot be variables (IAM refuses them); a one-element list is
 * accepted as its single value.
 */
export function resolveTemplate(
  template: Template,
  lookup: Lookup,
): { parts: GlobPart[]; missing?: undefined } | { parts?: undefined; missing: string } {
  const out: GlobPart[] = [];
  for (const part of template.parts) {
    if (typeof part !== "object") {
      pushParts(out, [part]);
      continue;
    }
    const found = lookup(part.lowerName);
    let value: string | undefined;
    if (typeof found === "string") value = found;
    else if (found && found.length === 1) value = found[0];
    if (value === undefined) value = part.fallback;
    if (value === undefined) return { missing: part.name };
    pushParts(out, [value]);
  }
  return { parts: out };
}
