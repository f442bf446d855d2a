import { splitKey } from "../../trust/statements.js";
import type { LintRule } from "../types.js";
import { conditionPosition, providerClaim, trustedUrls } from "./helpers.js";

/**
 * For a Bitbucket provider IAM sets `<url>:aud` and `<url>:sub` (and `:amr`/`:azp` when a token
 * carries them, which Bitbucket's do not). Bitbucket's other claims — branchName,
 * repositoryUuid, deploymentEnvironmentUuid, … — never become condition keys, so a condition on
 * one never matches: a positive one makes the statement unusable, a negated one restricts
 * nothing (docs/aws-behaviour.md, "IAM OIDC providers").
 */
const KEYS_IAM_SETS = new Set(["aud", "sub", "amr", "azp"]);

export const conditionKeyNeverSet: LintRule = {
  id: "condition-key-never-set",
  severity: "error",
  description:
    "A condition is on a provider key IAM never sets for a Bitbucket token (such as :branchName or :repositoryUuid), so it never matches.",
  help: "Express repository, environment and branch restrictions through :sub (e.g. {REPO}:{ENV}:*), and restrict branches in Bitbucket's deployment settings.",
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        if (s.effect !== "Allow") continue;
        const urls = trustedUrls(s).map((u) => u.toLowerCase());
        for (const c of s.conditions) {
          const claim = providerClaim(c.key);
          if (claim === undefined || KEYS_IAM_SETS.has(claim)) continue;
          const [prefix, name] = splitKey(c.key);
          // A key for another provider is condition-key-provider-mismatch's finding.
          if (urls.length > 0 && !urls.includes(prefix.toLowerCase())) continue;
          const holds =
            c.operator.includes("Not") ||
            c.operator.endsWith("IfExists") ||
            c.operator.startsWith("ForAllValues:") ||
            c.operator === "Null";
          report({
            file: t.file,
            position: conditionPosition(t, c),
            severity: holds ? "warning" : "error",
            message: holds
              ? `${t.label}: statement ${s.index} has a condition on ${c.key}; IAM never sets :${name} for a Bitbucket provider (only :aud and :sub), so this ${c.operator} condition always holds and restricts nothing.`
              : `${t.label}: statement ${s.index} requires ${c.key}, which IAM never sets for a Bitbucket provider (only :aud and :sub); the condition never matches, so no pipeline can assume the role through this statement.`,
            fix: `Remove the condition on :${name}. To limit repositories or environments, match :sub ("{REPOSITORY-UUID}:*" or "{REPOSITORY-UUID}:{ENVIRONMENT-UUID}:*"); restrict branches in the deployment environment's settings in Bitbucket.`,
          });
        }
      }
    }
  },
};
