/** Findings for a person: grouped by file, one line each with its fix under it, then a summary. */
import { templateLimitsLine } from "../rules/template-limits.js";
import type { LintResult } from "../run-lint.js";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function formatText(result: LintResult): string {
  const lines: string[] = [];
  let current: string | undefined;
  for (const f of result.findings) {
    if (f.file !== current) {
      if (current !== undefined) lines.push("");
      lines.push(f.file);
      current = f.file;
    }
    const where = f.line === undefined ? f.file : `${f.file}:${f.line}:${f.column ?? 1}`;
    lines.push(`  ${where}  ${f.severity.padEnd(7)}  ${f.ruleId}  ${f.message}`);
    lines.push(`    fix: ${f.fix}`);
  }
  const s = result.summary;
  if (lines.length > 0) lines.push("");
  for (const t of result.templates) lines.push(templateLimitsLine(t));
  const total = s.errors + s.warnings + s.notes;
  lines.push(
    total === 0
      ? `✓ no problems in ${plural(s.files, "file")}`
      : `${s.errors > 0 ? "✗" : "!"} ${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}, ${plural(s.notes, "note")} in ${plural(s.files, "file")}`,
  );
  return `${lines.join("\n")}\n`;
}
