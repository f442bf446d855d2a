/** `{ findings, summary }`: stable keys, for scripts and CI annotations. */
import type { LintResult } from "../run-lint.js";

export function formatJson(result: LintResult): string {
  return `${JSON.stringify({ findings: result.findings, summary: result.summary }, null, 2)}\n`;
}
