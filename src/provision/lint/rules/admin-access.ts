import { grantsEverything, isAdministratorAccessArn } from "../../config/index.js";
import type { LintRule } from "../types.js";

/**
 * A warning, not an error: full access is sometimes what a bootstrap role is for. A role built
 * from bb-oidc.yaml with `allowAdministratorAccess: true` said so explicitly; that is a note.
 */
export const adminAccess: LintRule = {
  id: "admin-access",
  severity: "warning",
  description:
    "The role grants full administrator access (AdministratorAccess, or an Allow of * on *).",
  help: "Attach only the actions and resources the pipeline needs; in bb-oidc.yaml set allowAdministratorAccess: true if full access is really meant.",
  check(ctx, report) {
    for (const t of ctx.trusts) {
      const severity = t.permissions.adminOptIn ? "note" : "warning";
      const optIn = t.permissions.adminOptIn ? " (opted in with allowAdministratorAccess)" : "";
      for (const m of t.permissions.managedPolicyArns) {
        if (!isAdministratorAccessArn(m.arn)) continue;
        report({
          file: t.file,
          position: m.position ?? t.position,
          severity,
          message: `${t.label} has the managed policy ${m.arn}${optIn}: every pipeline step that can assume it can do anything in the account.`,
          fix: "Replace AdministratorAccess with a policy listing only the actions and resources the deployment needs.",
        });
      }
      for (const d of t.permissions.documents) {
        if (!grantsEverything(d.document)) continue;
        report({
          file: t.file,
          position: d.position ?? t.position,
          severity,
          message: `${t.label}: policy ${d.name} allows "Action": "*" on "Resource": "*"${optIn}, which is full administrator access.`,
          fix: "List the actions and resource ARNs the deployment needs instead of *.",
        });
      }
    }
  },
};
