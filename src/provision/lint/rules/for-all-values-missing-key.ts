import type { LintRule } from "../types.js";
import { conditionPosition, providerClaim } from "./helpers.js";

/**
 * Keys STS always sets for a Bitbucket web-identity request (sts/context.ts): a ForAllValues on
 * these is merely odd. Any other key may be absent — `amr` and `azp` are never sent by Bitbucket —
 * and ForAllValues over an absent key is true, so the condition lets everyone through.
 */
const ALWAYS_PRESENT = new Set([
  "aws:federatedprovider",
  "sts:rolesessionname",
  "aws:currenttime",
  "aws:epochtime",
  "aws:securetransport",
  "aws:sourceip",
]);
const PRESENT_CLAIMS = new Set(["aud", "sub"]);

export const forAllValuesMissingKey: LintRule = {
  id: "for-all-values-missing-key",
  severity: "error",
  description:
    "A ForAllValues: condition in an Allow is on a key that can be absent; over an absent key ForAllValues is true, so it restricts nothing.",
  help: 'Use ForAnyValue:, or add "Null": {"<key>": "false"} to require the key.',
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        if (s.effect !== "Allow") continue;
        for (const c of s.conditions) {
          if (!c.operator.startsWith("ForAllValues:")) continue;
          const lower = c.key.toLowerCase();
          const claim = providerClaim(c.key);
          if (ALWAYS_PRESENT.has(lower) || (claim !== undefined && PRESENT_CLAIMS.has(claim)))
            continue;
          const required = s.conditions.some(
            (n) =>
              n.operator === "Null" && n.key.toLowerCase() === lower && n.values.includes("false"),
          );
          if (required) continue;
          report({
            file: t.file,
            position: conditionPosition(t, c),
            message: `${t.label}: statement ${s.index} uses ${c.operator} on ${c.key}, which a Bitbucket token need not carry; when the key is absent ForAllValues is true and the condition admits everyone.`,
            fix: `Use "${c.operator.replace("ForAllValues:", "ForAnyValue:")}", or add "Null": {"${c.key}": "false"} to the same statement.`,
          });
        }
      }
    }
  },
};
