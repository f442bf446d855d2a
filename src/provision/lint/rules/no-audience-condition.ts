import { webIdentityAllows } from "../../trust/statements.js";
import type { LintRule } from "../types.js";
import { baseOperator, isNegated, providerClaim, statementPosition, urlOf } from "./helpers.js";

/**
 * STS already requires `aud` to be one of the provider's client IDs; the trust policy's own `aud`
 * condition is what keeps a role from accepting every audience a shared provider is registered
 * for (AWS requires it in the console for the same reason).
 */
export const noAudienceCondition: LintRule = {
  id: "no-audience-condition",
  severity: "error",
  description: "A web-identity Allow statement has no StringEquals condition on <provider>:aud.",
  help: 'Pin the audience: "StringEquals": {"<provider>:aud": "ari:cloud:bitbucket::workspace/<workspace-uuid>"} (or the custom audience your steps ask for).',
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of webIdentityAllows(t.statements)) {
        const pinned = s.conditions.some(
          (c) =>
            providerClaim(c.key) === "aud" &&
            !isNegated(c.operator) &&
            baseOperator(c.operator).startsWith("String"),
        );
        if (pinned) continue;
        const url = urlOf(s);
        const audience =
          t.knownClientIds.get(url.toLowerCase())?.[0] ??
          "ari:cloud:bitbucket::workspace/<workspace-uuid>";
        report({
          file: t.file,
          position: statementPosition(t, s),
          message: `${t.label}: statement ${s.index} admits web identities with no condition on ${url}:aud, so any audience the provider accepts is enough.`,
          fix: `Add "StringEquals": {"${url}:aud": "${audience}"} to the statement's Condition.`,
        });
      }
    }
  },
};
