/**
 * Every rule an audit can report, with a stable ID: the audit's own, and the lint rules it runs on
 * live roles (same IDs, same meaning as `bb-oidc lint`). SARIF's `tool.driver.rules` and the
 * docs list them from here.
 */
import { LIVE_RULES, lintRule } from "./decide/lint-bridge.js";

export interface AuditRule {
  id: string;
  description: string;
  help: string;
}

const OWN: AuditRule[] = [
  {
    id: "platform-wide-subject",
    description:
      "Any repository or project on the CI platform can assume the role: the STS decision allows a token from an owner no condition names (or from a lookalike of one it names).",
    help: "Restrict <provider>:sub to the exact repositories or projects (and refs or environments) in the issuer's documented sub format.",
  },
  {
    id: "owner-wide-subject",
    description:
      "Any repository or project of one owner, group or organization — or any subject the issuer signs tokens for — can assume the role.",
    help: "Restrict <provider>:sub to the repositories or projects that deploy with this role, not the whole owner.",
  },
  {
    id: "unassumable-role",
    description:
      "No token can assume the role: a condition no token meets, an audience the provider never accepts, a key IAM never sets, or a provider that does not exist.",
    help: "Correct the condition the finding names, or delete the role if nothing uses it.",
  },
  {
    id: "oidc-provider-missing",
    description:
      "A trust statement names an OIDC provider that does not exist in the role's account.",
    help: "Create the provider in the account, or remove the statement.",
  },
  {
    id: "iam-escalation",
    description:
      "The role may write IAM permissions on any resource (iam:*, AttachRolePolicy, PutRolePolicy, CreatePolicyVersion, UpdateAssumeRolePolicy… on *, or IAMFullAccess): administrator one call later.",
    help: "Limit IAM actions to the resources the pipeline manages, and require a permissions boundary (iam:PermissionsBoundary) on what it creates.",
  },
  {
    id: "role-unused",
    description: "A role that can be assumed has not been used for a long time (RoleLastUsed).",
    help: "Delete roles no pipeline uses; each one is a door left open.",
  },
  {
    id: "drift-missing-role",
    description: "bb-oidc.yaml describes a role for the account that does not exist there.",
    help: "Deploy the template generated from bb-oidc.yaml, or remove the role from it.",
  },
  {
    id: "drift-trust-policy",
    description:
      "A role's trust policy differs from the one bb-oidc template generates from bb-oidc.yaml.",
    help: "Redeploy from bb-oidc.yaml, or describe the change in bb-oidc.yaml so the next deploy keeps it.",
  },
  {
    id: "drift-undescribed-role",
    description:
      "A role trusts the configured workspace's provider but bb-oidc.yaml does not describe it.",
    help: "Describe it in bb-oidc.yaml, or delete it if no pipeline uses it.",
  },
];

const SHARED: AuditRule[] = [lintRule("no-subject-condition")!, ...LIVE_RULES].map((r) => ({
  id: r.id,
  description: r.description,
  help: r.help,
}));

export const AUDIT_RULES: readonly AuditRule[] = [...OWN, ...SHARED];
