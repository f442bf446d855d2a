/** `{ findings, summary, templates }`: stable keys, for scripts and CI annotations. */
import type { LintResult } from "../run-lint.js";

export function formatJson(result: LintResult): string {
  return `${JSON.stringify(
    { findings: result.findings, summary: result.summary, templates: result.templates },
    null,
    2,
  )}\n`;
}
