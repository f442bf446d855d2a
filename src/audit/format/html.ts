/**
 * One self-contained HTML file a security team can open and pass on: summary by severity and by
 * account, the accounts that were not audited, a sortable and filterable findings table, every
 * OIDC role with who can assume it, each account's providers, and per role with findings its
 * trust policy with the deciding condition marked. No external assets; a
 * Content-Security-Policy forbids loading any. Everything read from AWS is escaped.
 */
import { createHash } from "node:crypto";
import { severityRank } from "../severity.js";
import { type AuditedRole, type AuditReport, type AuditSeverity, SEVERITIES } from "../types.js";
import { REPORT_CSS, REPORT_JS } from "./html-assets.js";
import { escapeHtml as e, policyHtml } from "./html-policy.js";

function anchor(arn: string): string {
  return `role-${createHash("sha256").update(arn).digest("hex").slice(0, 16)}`;
}

function sev(s: AuditSeverity): string {
  return `<span class="sev ${s}">${s}</span>`;
}

function cards(r: AuditReport): string {
  const s = r.summary;
  const sevCards = SEVERITIES.map(
    (x) => `<div class="card ${x}" data-severity="${x}"><b>${s.findings[x]}</b>${x}</div>`,
  ).join("");
  const stats = [
    [s.accounts, "accounts"],
    [s.audited, "audited"],
    [s.unreachable + s.skipped, "not audited"],
    [s.roles, "roles"],
    [s.oidcRoles, "trust OIDC"],
  ]
    .map(([n, label]) => `<div class="card stat"><b>${n}</b>${label}</div>`)
    .join("");
  return `<div class="cards" id="severity-summary">${sevCards}</div><div class="cards">${stats}</div>`;
}

function accountsTable(r: AuditReport): string {
  const counts = new Map<string, Record<AuditSeverity, number>>();
  for (const f of r.findings) {
    const c = counts.get(f.account) ?? { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    c[f.severity]++;
    counts.set(f.account, c);
  }
  const rows = r.accounts
    .map((a) => {
      const c = counts.get(a.account) ?? { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
      return `<tr><td><code>${e(a.account)}</code>${a.name ? ` <span class="muted">${e(a.name)}</span>` : ""}</td><td>${e(a.ou ?? "")}</td><td class="status-${a.status}">${a.status}${a.error ? `<br><span class="muted">${e(a.error)}</span>` : ""}</td><td class="num">${a.roles}</td><td class="num">${a.oidcRoles}</td>${SEVERITIES.map((x) => `<td class="num">${c[x] || ""}</td>`).join("")}</tr>`;
    })
    .join("\n");
  return `<table id="accounts-table"><thead><tr><th>Account</th><th>OU</th><th>Status</th><th>Roles</th><th>Trust OIDC</th>${SEVERITIES.map((x) => `<th>${x}</th>`).join("")}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function findingsTable(r: AuditReport): string {
  const accounts = [...new Set(r.findings.map((f) => f.account))].sort();
  const rows = r.findings
    .map((f) => {
      const role =
        f.roleArn && f.role ? `<a href="#${anchor(f.roleArn)}">${e(f.role)}</a>` : e(f.role ?? "—");
      return `<tr data-severity="${f.severity}" data-rank="${severityRank(f.severity)}" data-account="${e(f.account)}"><td>${sev(f.severity)}</td><td><code>${e(f.ruleId)}</code></td><td><code>${e(f.account)}</code></td><td>${role}</td><td>${e(f.who ?? "")}</td><td>${e(f.message)}${f.condition && !f.message.includes(f.condition) ? `<br><span class="muted">condition: ${e(f.condition)}</span>` : ""}</td><td>${e(f.fix)}</td></tr>`;
    })
    .join("\n");
  return `<div class="controls">
<input id="filter" type="search" placeholder="Filter findings (role, rule, text…)" aria-label="Filter findings">
<select id="severity-filter" aria-label="Severity"><option value="">All severities</option>${SEVERITIES.map((x) => `<option value="${x}">${x}</option>`).join("")}</select>
<select id="account-filter" aria-label="Account"><option value="">All accounts</option>${accounts.map((a) => `<option value="${e(a)}">${e(a)}</option>`).join("")}</select>
<span id="count"></span></div>
<table id="findings-table" class="sortable"><thead><tr><th data-key="severity">Severity</th><th data-key="rule">Rule</th><th data-key="account">Account</th><th data-key="role">Role</th><th data-key="who">Who can assume</th><th>Finding</th><th>Fix</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

const REACH_WORDS: Record<AuditedRole["reach"], string> = {
  platform: "anyone on the platform",
  owner: "a whole owner or workspace",
  scoped: "named repositories only",
  none: "nobody (dead)",
  unknown: "undecided",
};

/** Every OIDC role, with or without findings: the answer to "who can assume what". */
function rolesTable(r: AuditReport, worst: Map<string, AuditSeverity>): string {
  const rows = r.roles
    .map((x) => {
      const w = worst.get(x.arn);
      const name = w ? `<a href="#${anchor(x.arn)}">${e(x.name)}</a>` : e(x.name);
      const who = x.who.length > 0 ? x.who.map((v) => e(v)).join("<br>") : "nobody";
      return `<tr data-rank="${w ? severityRank(w) : SEVERITIES.length}" data-account="${e(x.account)}"><td>${w ? sev(w) : '<span class="muted">none</span>'}</td><td><code>${e(x.account)}</code></td><td>${name}</td><td>${e(x.issuers.join(", "))}</td><td>${REACH_WORDS[x.reach]}</td><td>${who}</td><td>${x.blast.level}</td><td>${e(x.lastUsed?.slice(0, 10) ?? "")}</td></tr>`;
    })
    .join("\n");
  return `<div class="controls"><input id="role-filter" type="search" placeholder="Filter roles (name, issuer, who…)" aria-label="Filter roles"><span id="role-count"></span></div>
<table id="roles-table" class="sortable"><thead><tr><th data-key="severity">Worst finding</th><th data-key="account">Account</th><th data-key="role">Role</th><th data-key="issuers">Trusts</th><th data-key="reach">Reach</th><th data-key="who">Who can assume</th><th data-key="blast">Blast radius</th><th data-key="used">Last used</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

/** Each account's OIDC providers as IAM holds them: what its roles can trust at all. */
function providersTable(r: AuditReport): string {
  const rows = r.accounts.flatMap((a) =>
    a.providers.map(
      (p) =>
        `<tr><td><code>${e(a.account)}</code></td><td><code>${e(p.url)}</code></td><td>${p.clientIds.map((c) => `<code>${e(c)}</code>`).join("<br>")}</td><td>${p.thumbprints.map((t) => `<code>${e(t)}</code>`).join("<br>")}</td></tr>`,
    ),
  );
  if (rows.length === 0) return '<p class="muted">No OIDC providers in the accounts audited.</p>';
  return `<table id="providers-table"><thead><tr><th>Account</th><th>Provider URL</th><th>Client IDs (audiences)</th><th>Thumbprints</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>`;
}

function roleSection(role: AuditedRole, r: AuditReport): string {
  const mine = r.findings.filter((f) => f.roleArn === role.arn);
  const worst = mine.reduce<AuditSeverity>(
    (w, f) => (severityRank(f.severity) < severityRank(w) ? f.severity : w),
    "info",
  );
  const list = mine
    .map(
      (f) =>
        `<li>${sev(f.severity)} <code>${e(f.ruleId)}</code> ${e(f.message)}${f.diff ? `<pre class="diff">${e(f.diff)}</pre>` : ""}</li>`,
    )
    .join("");
  const who =
    role.who.length > 0 ? role.who.map((w) => e(w)).join("<br>") : "nobody (no token passes)";
  const policy =
    role.trustPolicy === undefined
      ? ""
      : `<p class="muted">Trust policy — the marked part decided:</p><pre class="policy">${policyHtml(role.trustPolicy, role.deciding)}</pre>`;
  return `<details id="${anchor(role.arn)}"><summary>${sev(worst)} <b>${e(role.name)}</b> <code>${e(role.arn)}</code> — reach: ${role.reach}, blast radius: ${role.blast.level}</summary><div class="body">
<p><b>Who can assume it:</b> ${who}</p>
<p><b>Blast radius:</b> ${role.blast.level}${role.blast.reasons.length ? ` (${e(role.blast.reasons.join("; "))})` : ""}${role.lastUsed ? ` · <b>last used</b> ${e(role.lastUsed)}` : ""}</p>
<ul>${list}</ul>${policy}</div></details>`;
}

export function formatAuditHtml(r: AuditReport): string {
  const missed = r.accounts.filter((a) => a.status !== "audited");
  const warn =
    missed.length === 0
      ? ""
      : `<div class="warn" id="not-audited"><b>${missed.length} account${missed.length === 1 ? " was" : "s were"} NOT audited:</b><ul>${missed.map((a) => `<li><code>${e(a.account)}</code>: ${e(a.error ?? a.status)}</li>`).join("")}</ul></div>`;
  // Roles with findings, in the order of their most severe finding.
  const order = new Map<string, number>();
  r.findings.forEach((f, i) => {
    if (f.roleArn && !order.has(f.roleArn)) order.set(f.roleArn, i);
  });
  const roles = r.roles
    .filter((x) => order.has(x.arn))
    .sort((a, b) => order.get(a.arn)! - order.get(b.arn)!);
  const worst = new Map<string, AuditSeverity>();
  for (const f of r.findings)
    if (f.roleArn && !worst.has(f.roleArn)) worst.set(f.roleArn, f.severity);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>bb-oidc audit — ${e(r.scope)}</title>
<style>${REPORT_CSS}</style></head>
<body>
<header><h1>Who can assume what through CI — OIDC trust audit</h1>
<p>${e(r.scope)} · generated ${e(r.generatedAt)} by ${e(r.tool.name)} ${e(r.tool.version)} · decided by the STS engine with synthetic tokens</p></header>
<main>
<section id="summary"><h2>Summary</h2>${cards(r)}</section>
${warn}
<section id="accounts"><h2>By account</h2>${accountsTable(r)}</section>
<section id="findings"><h2>Findings</h2>${findingsTable(r)}</section>
<section id="inventory"><h2>Who can assume each OIDC role</h2>${rolesTable(r, worst)}</section>
<section id="providers"><h2>OIDC providers</h2>${providersTable(r)}</section>
<section id="roles"><h2>Roles with findings: trust policies</h2>${roles.map((x) => roleSection(x, r)).join("\n") || '<p class="muted">None.</p>'}</section>
</main>
<script>${REPORT_JS}</script>
</body></html>
`;
}
