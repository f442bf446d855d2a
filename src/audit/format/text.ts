/** The terminal summary: counts, then findings most severe first, then accounts not audited. */
import { type AuditReport, type AuditSeverity, SEVERITIES } from "../types.js";

const COLOR: Record<AuditSeverity, string> = {
  critical: "\x1b[1;41;97m",
  high: "\x1b[1;31m",
  medium: "\x1b[33m",
  low: "\x1b[36m",
  info: "\x1b[2m",
};
const RESET = "\x1b[0m";

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** Accounts with findings, worst first: where to start. */
function byAccount(r: AuditReport, shown: AuditReport["findings"]): string[] {
  const counts = new Map<string, Record<AuditSeverity, number>>();
  for (const f of shown) {
    const c = counts.get(f.account) ?? { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    c[f.severity]++;
    counts.set(f.account, c);
  }
  if (counts.size === 0) return [];
  const rank = (c: Record<AuditSeverity, number>) => SEVERITIES.map((x) => c[x]);
  const names = new Map(r.accounts.map((a) => [a.account, a]));
  const rows = [...counts.entries()].sort(([a, x], [b, y]) => {
    const [rx, ry] = [rank(x), rank(y)];
    for (let i = 0; i < rx.length; i++) if (rx[i] !== ry[i]) return ry[i]! - rx[i]!;
    return a.localeCompare(b);
  });
  return [
    "by account:",
    ...rows.map(([account, c]) => {
      const a = names.get(account);
      const label = [a?.name, a?.ou].filter(Boolean).join(", ");
      const n = SEVERITIES.filter((x) => c[x] > 0).map((x) => `${c[x]} ${x}`);
      return `  ${account}${label ? ` (${label})` : ""}: ${n.join(", ")}`;
    }),
  ];
}

export function formatAuditText(r: AuditReport, options: { color?: boolean } = {}): string {
  const paint = (s: AuditSeverity, text: string) =>
    options.color ? `${COLOR[s]}${text}${RESET}` : text;
  const s = r.summary;
  const out: string[] = [];
  const notAudited = s.unreachable + s.skipped;
  out.push(
    `bb-oidc audit of ${r.scope}: ${plural(s.accounts, "account")} (${s.audited} audited${notAudited ? `, ${notAudited} NOT audited` : ""}), ${plural(s.roles, "role")}, ${s.oidcRoles} trusting OIDC`,
  );
  out.push(`findings: ${SEVERITIES.map((x) => `${s.findings[x]} ${x}`).join(", ")}`);
  const shown = r.findings.filter((f) => f.severity !== "info");
  if (s.accounts > 1) out.push(...byAccount(r, shown));
  for (const f of shown) {
    out.push("");
    const where = f.role ? `${f.role} @ ${f.account}` : f.account;
    out.push(`${paint(f.severity, f.severity.toUpperCase().padEnd(8))} ${where}  [${f.ruleId}]`);
    out.push(`  ${f.message}`);
    if (f.who) out.push(`  who can assume: ${f.who}`);
    if (f.condition && !f.message.includes(f.condition)) out.push(`  condition: ${f.condition}`);
    if (f.diff) out.push(...f.diff.split("\n").map((l) => `    ${l}`));
    out.push(`  fix: ${f.fix}`);
  }
  if (s.findings.info > 0) {
    out.push(
      "",
      `${plural(s.findings.info, "informational finding")} not shown (--format json, csv or html lists them).`,
    );
  }
  const missed = r.accounts.filter((a) => a.status !== "audited");
  if (missed.length > 0) {
    out.push("", `NOT audited (${missed.length}):`);
    for (const a of missed)
      out.push(`  ${a.account}${a.name ? ` (${a.name})` : ""}: ${a.error ?? a.status}`);
  }
  if (shown.length === 0 && missed.length === 0)
    out.push("", "No findings at low severity or above.");
  return `${out.join("\n")}\n`;
}
