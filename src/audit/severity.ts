/**
 * Severity = reachability × blast radius. A role any repository on GitHub can assume with
 * AdministratorAccess is critical; the same role open to one repository is a note to narrow its
 * permissions; a role no token can assume is a clean-up. The table is the whole policy.
 */
import type { AuditSeverity, BlastLevel, Reach } from "./types.js";

const TABLE: Record<Reach, Record<BlastLevel, AuditSeverity>> = {
  platform: { admin: "critical", power: "critical", limited: "high", none: "medium" },
  owner: { admin: "critical", power: "high", limited: "medium", none: "low" },
  scoped: { admin: "medium", power: "low", limited: "info", none: "info" },
  none: { admin: "low", power: "low", limited: "low", none: "low" },
  unknown: { admin: "high", power: "medium", limited: "medium", none: "low" },
};

export function exposureSeverity(reach: Reach, blast: BlastLevel): AuditSeverity {
  return TABLE[reach][blast];
}

const ORDER: Record<AuditSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export function severityRank(s: AuditSeverity): number {
  return ORDER[s];
}

/** Whether `s` is at or above `threshold` (for --fail-on). */
export function atLeast(s: AuditSeverity, threshold: AuditSeverity): boolean {
  return ORDER[s] <= ORDER[threshold];
}

export function isSeverity(v: string): v is AuditSeverity {
  return Object.hasOwn(ORDER, v);
}

/** Lint's three levels for the rules audit shares with it. */
export function fromLintSeverity(s: "error" | "warning" | "note"): AuditSeverity {
  return s === "error" ? "medium" : s === "warning" ? "low" : "info";
}
