/**
 * Progress lines for the CLI to print: on a terminal one line rewritten in place (accounts done,
 * roles read, findings so far); in CI logs a plain line per account, which a log keeps readable.
 */
import type { AuditProgress } from "../run-audit.js";

export interface ProgressView {
  /** What to write to stderr for this event ("" for nothing). */
  update(event: AuditProgress): string;
  /** Clears the live line at the end (terminal only). */
  finish(): string;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

export function progressView(live: boolean): ProgressView {
  let total = 0;
  let done = 0;
  let findings = 0;
  const rolesBy = new Map<string, number>();
  let shown = false;
  const line = () => {
    let roles = 0;
    for (const n of rolesBy.values()) roles += n;
    shown = true;
    return `\r\x1b[2Kaudit: ${done}/${total} accounts, ${count(roles, "role")} read, ${count(findings, "finding")}`;
  };
  return {
    update(e) {
      if (e.type === "start") {
        total = e.total;
        return live ? line() : `audit: ${e.scope}: ${e.total} account${e.total === 1 ? "" : "s"}\n`;
      }
      if (e.type === "roles") {
        rolesBy.set(e.account, e.read);
        return live ? line() : "";
      }
      done = e.done;
      findings += e.findings;
      rolesBy.set(e.result.account, e.result.roles);
      if (live) return line();
      const r = e.result;
      const what =
        r.status === "audited"
          ? `audited: ${count(r.roles, "role")}, ${r.oidcRoles} trusting OIDC, ${count(e.findings, "finding")}`
          : `NOT audited: ${r.error ?? r.status}`;
      return `audit: [${e.done}/${e.total}] ${r.account} ${what}\n`;
    },
    finish() {
      return live && shown ? "\r\x1b[2K" : "";
    },
  };
}
