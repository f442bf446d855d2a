import type { LintRule } from "../types.js";
import { conditionPosition, providerClaim } from "./helpers.js";

/**
 * `aud` and `sub` are single-valued: a token carries one of each. ForAllValues:/ForAnyValue: are
 * for multi-valued keys; on these they only obscure what is checked (and ForAllValues holds when
 * the key is absent). IAM Access Analyzer reports the same; AWS SAM's and terraform-aws-modules'
 * generated Bitbucket trust policies write it.
 */
export const setOperatorOnSingleValuedClaim: LintRule = {
  id: "set-operator-on-single-valued-claim",
  severity: "warning",
  description:
    "ForAllValues: or ForAnyValue: is used on the single-valued :aud or :sub key of the OIDC provider.",
  help: "Use the plain operator (StringEquals, StringLike): a token has exactly one aud and one sub.",
  check(ctx, report) {
    for (const t of ctx.trusts) {
      for (const s of t.statements) {
        if (s.effect !== "Allow") continue;
        for (const c of s.conditions) {
          const set = /^(ForAllValues|ForAnyValue):/.exec(c.operator)?.[1];
          const claim = providerClaim(c.key);
          if (!set || (claim !== "aud" && claim !== "sub")) continue;
          const plain = c.operator.slice(set.length + 1);
          report({
            file: t.file,
            position: conditionPosition(t, c),
            message: `${t.label}: statement ${s.index} uses ${c.operator} on ${c.key}, a single-valued key; set operators are for keys with several values${set === "ForAllValues" ? ", and ForAllValues holds when the key is absent" : ""}.`,
            fix: `Write "${plain}": {"${c.key}": …} instead.`,
          });
        }
      }
    }
  },
};
