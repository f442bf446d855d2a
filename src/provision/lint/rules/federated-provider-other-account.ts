import { parseProviderArn, webIdentityAllows } from "../../trust/statements.js";
import type { LintRule } from "../types.js";
import { isPlaceholder, statementPosition } from "./helpers.js";

/** STS looks for the token's provider in the role's own account; a provider ARN of another account never matches. */
export const federatedProviderOtherAccount: LintRule = {
  id: "federated-provider-other-account",
  severity: "error",
  description:
    "A web-identity statement trusts an OIDC provider ARN of another account than the role's.",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation reference, written literally
  help: "Name the provider in the role's own account: arn:aws:iam::${AWS::AccountId}:oidc-provider/<url> in a template.",
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of webIdentityAllows(t.statements)) {
        for (const f of s.federated) {
          const p = parseProviderArn(f);
          if (!p || p.account === t.account || isPlaceholder(f) || !/^\d{12}$/.test(p.account))
            continue;
          report({
            file: t.file,
            position: statementPosition(t, s),
            message: `${t.label}: statement ${s.index} trusts ${f}, a provider in account ${p.account}, but the role is in ${t.account}; STS only uses providers of the role's account, so this statement never applies.`,
            fix: `Use arn:${p.partition}:iam::${t.account}:oidc-provider/${p.url} (in a template: arn:\${AWS::Partition}:iam::\${AWS::AccountId}:oidc-provider/${p.url}).`,
          });
        }
      }
    }
  },
};
