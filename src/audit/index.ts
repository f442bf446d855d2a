/**
 * `bb-oidc audit`: who can assume which role through CI, across the accounts of an organization,
 * decided by the same STS engine as every other command.
 */
export {
  AUDIT_READ_ACTIONS,
  auditorPolicy,
  auditRoleTemplate,
  DEFAULT_AUDIT_ROLE_NAME,
} from "./audit-role.js";
export { formatAuditCsv } from "./format/csv.js";
export { formatAuditHtml } from "./format/html.js";
export { AUDIT_JSON_FORMAT, formatAuditJson } from "./format/json.js";
export { progressView } from "./format/progress.js";
export { formatAuditSarif, toAuditSarif } from "./format/sarif.js";
export { formatAuditText } from "./format/text.js";
export { ISSUERS, type IssuerKind, issuerKind } from "./issuers.js";
export { AUDIT_RULES } from "./rules.js";
export { type AuditAccess, type AuditOptions, type AuditProgress, runAudit } from "./run-audit.js";
export { atLeast, isSeverity } from "./severity.js";
export type * from "./types.js";
