/** The access matrix as a terminal table, Markdown, JSON or CSV. */
import { PLACEHOLDER_ACCOUNT } from "../reader/placeholders.js";
import type { AccessMatrix, MatrixRow } from "./types.js";

export type MatrixFormat = "table" | "markdown" | "json" | "csv";

const YES = "✓";
const NO = "✗";

export function rowLabel(row: MatrixRow): string {
  if (row.otherRepository) return "any other repository";
  const repo = row.repositoryLabel ?? row.repository;
  if (row.environment === undefined) return repo;
  return `${repo} env ${row.environmentLabel ?? row.environment}`;
}

/** Role names, with the account when the matrix spans several. */
export function columnLabels(m: AccessMatrix): string[] {
  const accounts = new Set(m.columns.map((c) => c.account));
  return m.columns.map((c) => (accounts.size > 1 ? `${c.role} @ ${c.account}` : c.role));
}

/** Display width: the check marks are one column wide; no wide characters are printed. */
function pad(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - [...s].length));
}

export function renderTable(m: AccessMatrix): string {
  const header = ["repository / environment", ...columnLabels(m)];
  const body = m.rows.map((r, i) => [
    rowLabel(r),
    ...m.cells[i]!.map((c) => (c.allowed ? YES : NO)),
  ]);
  const widths = header.map((h, j) =>
    Math.max([...h].length, ...body.map((b) => [...b[j]!].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, j) => pad(c, widths[j]!))
      .join("  ")
      .trimEnd();
  const out = [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...body.map(line)];
  const accounts = [...new Set(m.columns.map((c) => c.account))];
  out.push(
    "",
    `${YES} can assume   ${NO} cannot   (decided by the STS engine; account${accounts.length > 1 ? "s" : ""} ${accounts.join(", ")})`,
  );
  // Not a real account: a user must not look for it.
  if (accounts.includes(PLACEHOLDER_ACCOUNT))
    out.push(
      `${PLACEHOLDER_ACCOUNT} stands for any account the template is deployed to (and each account of an OU); --account ID names real ones.`,
    );
  return `${out.join("\n")}\n`;
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, "\\|");
}

export function renderMarkdown(m: AccessMatrix): string {
  const header = ["Repository / environment", ...columnLabels(m)];
  const lines = [
    `| ${header.map(mdEscape).join(" | ")} |`,
    `|${header.map((_, j) => (j === 0 ? " --- " : " :---: ")).join("|")}|`,
    ...m.rows.map(
      (r, i) =>
        `| ${[rowLabel(r), ...m.cells[i]!.map((c) => (c.allowed ? YES : NO))].map(mdEscape).join(" | ")} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One line per cell: easy to filter, sort and diff. */
export function renderCsv(m: AccessMatrix): string {
  const lines = ["repository,environment,other_repository,role,account,role_arn,allowed"];
  m.rows.forEach((r, i) => {
    m.columns.forEach((c, j) => {
      lines.push(
        [
          r.repositoryLabel ?? r.repository,
          r.environmentLabel ?? r.environment ?? "",
          r.otherRepository ? "true" : "false",
          c.role,
          c.account,
          c.roleArn,
          m.cells[i]![j]!.allowed ? "true" : "false",
        ]
          .map(csvField)
          .join(","),
      );
    });
  });
  return `${lines.join("\n")}\n`;
}

export function renderJson(m: AccessMatrix): string {
  return `${JSON.stringify({ columns: m.columns, rows: m.rows.map((r, i) => ({ ...r, cells: m.cells[i] })) }, null, 2)}\n`;
}

export function renderMatrix(m: AccessMatrix, format: MatrixFormat): string {
  switch (format) {
    case "markdown":
      return renderMarkdown(m);
    case "json":
      return renderJson(m);
    case "csv":
      return renderCsv(m);
    default:
      return renderTable(m);
  }
}
