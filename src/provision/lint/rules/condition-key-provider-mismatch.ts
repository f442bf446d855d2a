import { splitKey } from "../../trust/statements.js";
import type { LintRule } from "../types.js";
import { conditionPosition, providerClaim, trustedUrls } from "./helpers.js";

/**
 * IAM sets `<url>:aud` and `<url>:sub` only for the provider the token came from, with the URL as
 * IAM stores it (no scheme). A key for another workspace, or with `https://`, is never present:
 * a positive condition on it is always false, a negated one always true.
 */
export const conditionKeyProviderMismatch: LintRule = {
  id: "condition-key-provider-mismatch",
  severity: "error",
  description:
    "A condition key's prefix is not the trusted provider's URL (another workspace, a typo, or https:// included), so IAM never sets it.",
  help: "Prefix provider condition keys with the provider URL exactly as in the Federated ARN, without https://.",
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        const urls = trustedUrls(s);
        for (const c of s.conditions) {
          const claim = providerClaim(c.key);
          if (claim === undefined) continue;
          const [prefix] = splitKey(c.key);
          const bare = prefix.replace(/^https?:\/\//i, "");
          const match = urls.find((u) => u.toLowerCase() === bare.toLowerCase());
          // An absent key: negated, IfExists and ForAllValues operators hold; the rest fail.
          const holds =
            c.operator.includes("Not") ||
            c.operator.endsWith("IfExists") ||
            c.operator.startsWith("ForAllValues:");
          const effect = holds ? "always true" : "always false";
          if (/^https?:\/\//i.test(prefix)) {
            report({
              file: t.file,
              position: conditionPosition(t, c),
              message: `${t.label}: statement ${s.index} uses the condition key "${c.key}", which includes the scheme; IAM names provider keys without https://, so this key is never set and the condition is ${effect}.`,
              fix: `Write "${bare}:${claim}".`,
            });
          } else if (urls.length > 0 && !match) {
            report({
              file: t.file,
              position: conditionPosition(t, c),
              message: `${t.label}: statement ${s.index} uses the condition key "${c.key}", but the statement trusts ${urls.join(", ")}; IAM never sets a key for another provider, so the condition is ${effect}.`,
              fix: `Write "${urls[0]}:${claim}".`,
            });
          }
        }
      }
    }
  },
};
