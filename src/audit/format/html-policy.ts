/**
 * A trust policy as indented JSON in HTML, with the parts that decided marked: a whole statement
 * (it let a probe in, or names a missing provider), or one condition of it (the one that failed,
 * or the `sub` condition a probe got past).
 */
import type { DecidingPart } from "../types.js";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Path = readonly (string | number)[];

function marks(path: Path, parts: readonly DecidingPart[], statementsArray: boolean): boolean {
  for (const p of parts) {
    const stmt: Path = statementsArray ? ["Statement", p.statement] : ["Statement"];
    if (p.key === undefined) {
      if (path.length === stmt.length && path.every((x, i) => x === stmt[i])) return true;
    } else {
      const full = [...stmt, "Condition", p.operator ?? "", p.key];
      if (path.length === full.length && path.every((x, i) => x === full[i])) return true;
    }
  }
  return false;
}

export function policyHtml(doc: unknown, parts: readonly DecidingPart[]): string {
  const statementsArray = Array.isArray((doc as { Statement?: unknown } | null)?.Statement);
  const render = (v: unknown, path: Path, indent: string): string => {
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      const items = v.map((x, i) => {
        const text = `${inner}${render(x, [...path, i], inner)}`;
        return marks([...path, i], parts, statementsArray)
          ? `<mark class="decides">${text}</mark>`
          : text;
      });
      return `[\n${items.join(",\n")}\n${indent}]`;
    }
    if (v && typeof v === "object") {
      const entries = Object.entries(v);
      if (entries.length === 0) return "{}";
      const items = entries.map(([k, x]) => {
        const text = `${inner}<span class="k">${escapeHtml(JSON.stringify(k))}</span>: ${render(x, [...path, k], inner)}`;
        return marks([...path, k], parts, statementsArray)
          ? `<mark class="decides">${text}</mark>`
          : text;
      });
      return `{\n${items.join(",\n")}\n${indent}}`;
    }
    return `<span class="v">${escapeHtml(JSON.stringify(v) ?? "null")}</span>`;
  };
  return render(doc, [], "");
}
