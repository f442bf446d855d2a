/**
 * The blast radius of a role: what a pipeline that assumes it may do. Read from the policies
 * attached to it (managed and inline): full administrator access, privilege escalation through
 * IAM (which is the same thing one step later), broad `*` actions, or a limited set. SCPs and the
 * permissions boundary can narrow this; a boundary is named, SCPs are not read.
 */

import { compileGlob, parseGlob } from "../policy/glob.js";
import { isAdministratorAccessArn } from "../provision/config/index.js";
import type { BlastLevel, BlastRadius, LiveRole } from "./types.js";

const RANK: Record<BlastLevel, number> = { none: 0, limited: 1, power: 2, admin: 3 };

/** Actions that let a session give itself (or a role it can assume) any permission. */
const ESCALATION = [
  "iam:attachrolepolicy",
  "iam:putrolepolicy",
  "iam:createpolicyversion",
  "iam:attachuserpolicy",
  "iam:putuserpolicy",
  "iam:updateassumerolepolicy",
];

/** AWS managed policies known to grant, or to let a session grant itself, everything. */
const MANAGED_ADMIN = /:iam::aws:policy\/(AdministratorAccess|IAMFullAccess)$/;
const MANAGED_POWER = /:iam::aws:policy\/(PowerUserAccess|.*FullAccess)$/;

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function strings(v: unknown): string[] {
  return list(v).filter((x): x is string => typeof x === "string");
}

function statementLevel(
  st: Record<string, unknown>,
): { level: BlastLevel; why: string } | undefined {
  if (st.Effect !== "Allow") return undefined;
  const resources = strings(st.Resource ?? st.NotResource);
  const anyResource = resources.includes("*") || st.NotResource !== undefined;
  if (st.NotAction !== undefined) {
    return {
      level: anyResource ? "power" : "limited",
      why: `allows every action except ${strings(st.NotAction).join(", ")}${anyResource ? " on *" : ""}`,
    };
  }
  const actions = strings(st.Action).map((a) => a.toLowerCase());
  const conditioned = st.Condition !== undefined;
  if (actions.some((a) => a === "*" || a === "*:*")) {
    if (anyResource && !conditioned) return { level: "admin", why: 'allows "*" on "*"' };
    return { level: "power", why: `allows "*" on ${resources.join(", ") || "some resources"}` };
  }
  const escalates = actions.filter((a) => {
    const m = compileGlob(parseGlob(a));
    return ESCALATION.some((e) => m(e));
  });
  if (escalates.length > 0 && anyResource && !conditioned) {
    return {
      level: "admin",
      why: `allows ${escalates.join(", ")} on * (it can grant itself anything)`,
    };
  }
  const wide = actions.filter((a) => a.endsWith(":*"));
  if (wide.length > 0) {
    return {
      level: anyResource ? "power" : "limited",
      why: `allows ${wide.join(", ")} on ${anyResource ? "*" : resources.join(", ")}`,
    };
  }
  return actions.length > 0 ? { level: "limited", why: "" } : undefined;
}

function documentLevel(doc: unknown): { level: BlastLevel; why: string[] } {
  let level: BlastLevel = "none";
  const why: string[] = [];
  if (!doc || typeof doc !== "object") return { level, why };
  for (const s of list((doc as Record<string, unknown>).Statement)) {
    if (!s || typeof s !== "object") continue;
    const r = statementLevel(s as Record<string, unknown>);
    if (!r) continue;
    if (RANK[r.level] > RANK[level]) level = r.level;
    if (r.why && r.level !== "limited") why.push(r.why);
  }
  return { level, why };
}

export function blastRadius(role: LiveRole): BlastRadius {
  let level: BlastLevel = "none";
  const reasons: string[] = [];
  const raise = (l: BlastLevel, reason?: string) => {
    if (RANK[l] > RANK[level]) level = l;
    if (reason && l !== "limited") reasons.push(reason);
  };
  for (const p of role.attachedPolicies) {
    if (isAdministratorAccessArn(p.arn) || MANAGED_ADMIN.test(p.arn)) {
      raise("admin", `${p.name} attached`);
    } else if (MANAGED_POWER.test(p.arn)) {
      raise("power", `${p.name} attached`);
    } else if (role.managedDocuments.has(p.arn)) {
      const d = documentLevel(role.managedDocuments.get(p.arn));
      raise(d.level === "none" ? "limited" : d.level);
      for (const w of d.why) reasons.push(`managed policy ${p.name} ${w}`);
    } else {
      raise("limited");
      if (!p.arn.includes(":iam::aws:")) reasons.push(`managed policy ${p.name} could not be read`);
    }
  }
  for (const p of role.inlinePolicies) {
    const d = documentLevel(p.document);
    raise(d.level);
    for (const w of d.why) reasons.push(`inline policy ${p.name} ${w}`);
  }
  if (role.permissionsBoundary && level !== "none") {
    reasons.push(`permissions boundary ${role.permissionsBoundary} may narrow this`);
  }
  return { level, reasons };
}

export function blastRank(level: BlastLevel): number {
  return RANK[level];
}
