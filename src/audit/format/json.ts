/** The whole report as JSON: accounts, roles (who can assume each), findings, summary. */
import type { AuditReport } from "../types.js";

export const AUDIT_JSON_FORMAT = "bb-oidc-audit/1";

export function formatAuditJson(r: AuditReport): string {
  return `${JSON.stringify({ format: AUDIT_JSON_FORMAT, ...r }, null, 2)}\n`;
}
