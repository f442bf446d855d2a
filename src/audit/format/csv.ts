/** One line per finding, for spreadsheets and diffs. */
import type { AuditReport } from "../types.js";

const HEADER = [
  "severity",
  "rule_id",
  "account",
  "role",
  "role_arn",
  "who_can_assume",
  "condition",
  "blast_radius",
  "message",
  "fix",
];

/** Quotes as RFC 4180 does; a cell a spreadsheet would run as a formula is prefixed with '. */
function cell(value: string | undefined): string {
  let v = value ?? "";
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function formatAuditCsv(r: AuditReport): string {
  const lines = [HEADER.join(",")];
  for (const f of r.findings) {
    lines.push(
      [
        f.severity,
        f.ruleId,
        f.account,
        f.role,
        f.roleArn,
        f.who,
        f.condition,
        f.blastRadius,
        f.message,
        f.fix,
      ]
        .map(cell)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
