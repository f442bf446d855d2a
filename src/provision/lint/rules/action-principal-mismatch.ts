import type { LintRule } from "../types.js";
import { statementPosition } from "./helpers.js";

/**
 * The action must fit the principal: a pipeline's token is exchanged only through
 * AssumeRoleWithWebIdentity, so a Federated OIDC principal with sts:AssumeRole admits no
 * pipeline; and an AWS principal never calls AssumeRoleWithWebIdentity, so that pairing admits
 * nobody. IAM Access Analyzer reports both as "mismatched action for principal".
 */
export const actionPrincipalMismatch: LintRule = {
  id: "action-principal-mismatch",
  severity: "error",
  description:
    "A trust statement pairs a Federated OIDC principal with sts:AssumeRole, or an AWS principal with sts:AssumeRoleWithWebIdentity only.",
  help: 'A Federated (OIDC) principal needs "Action": "sts:AssumeRoleWithWebIdentity"; an AWS principal needs "sts:AssumeRole".',
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        if (s.effect !== "Allow") continue;
        const oidc = s.federated.filter(
          (f) => /:oidc-provider\//.test(f) || /^[a-z0-9.-]+\//i.test(f),
        );
        if (oidc.length > 0 && !s.webIdentity) {
          report({
            file: t.file,
            position: statementPosition(t, s),
            message: `${t.label}: statement ${s.index} trusts the OIDC provider ${oidc[0]} but does not allow sts:AssumeRoleWithWebIdentity${s.assumeRole ? " (only sts:AssumeRole)" : ""}; a pipeline's token is exchanged only through AssumeRoleWithWebIdentity, so no pipeline can assume this role through it.`,
            fix: 'Write "Action": "sts:AssumeRoleWithWebIdentity" in this statement.',
          });
        }
        const aws = s.aws.filter((a) => a !== "*");
        if (aws.length > 0 && s.federated.length === 0 && s.webIdentity && !s.assumeRole) {
          report({
            file: t.file,
            position: statementPosition(t, s),
            message: `${t.label}: statement ${s.index} lets the AWS principal ${aws[0]} call sts:AssumeRoleWithWebIdentity, which AWS principals never call; the statement admits nobody.`,
            fix: 'For a pipeline, trust the OIDC provider ("Principal": {"Federated": "arn:aws:iam::<account>:oidc-provider/…"}); for role chaining from that principal, allow "sts:AssumeRole".',
          });
        }
      }
    }
  },
};
