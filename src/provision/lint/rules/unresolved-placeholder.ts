import type { LintRule, Position, TrustTarget } from "../types.js";
import { positionIn } from "./helpers.js";

/**
 * Copied examples keep their placeholders: `<S3_BUCKET>`, `<ACCOUNT_ID>`, `YOUR_BUCKET_NAME`.
 * IAM accepts them as literal text, so the policy deploys and then grants nothing (or trusts
 * nothing) — the fault shows only when a pipeline fails.
 */
const PLACEHOLDER =
  /<[A-Za-z][A-Za-z0-9_ -]*[A-Za-z0-9]>|\b(?:YOUR|REPLACE|CHANGE)[_-][A-Z0-9_-]+\b|\bREPLACEME\b|\{\{[^}]+\}\}/;

function* strings(v: unknown, path: (string | number)[]): Generator<[string, (string | number)[]]> {
  if (typeof v === "string") yield [v, path];
  else if (Array.isArray(v)) for (const [i, x] of v.entries()) yield* strings(x, [...path, i]);
  else if (v !== null && typeof v === "object")
    for (const [k, x] of Object.entries(v)) yield* strings(x, [...path, k]);
}

export const unresolvedPlaceholder: LintRule = {
  id: "unresolved-placeholder",
  severity: "error",
  description:
    "A policy still holds a placeholder from an example (<S3_BUCKET>, <ACCOUNT_ID>, YOUR_BUCKET_NAME, {{…}}).",
  help: "Replace each placeholder with the real value (or a template parameter), then lint again.",
  check(ctx, report) {
    const reportIn = (t: TrustTarget, doc: unknown, where: string, fallback?: Position) => {
      const seen = new Set<string>();
      for (const [text, path] of strings(doc, [])) {
        const m = PLACEHOLDER.exec(text);
        if (!m || text.includes("<param:") || seen.has(m[0])) continue;
        seen.add(m[0]);
        report({
          file: t.file,
          position:
            (fallback === undefined ? positionIn(t, path, m[0]) : undefined) ??
            fallback ??
            t.position,
          message: `${t.label}: ${where} still holds the placeholder ${m[0]} (in ${JSON.stringify(text)}); IAM takes it as literal text, so the policy never matches what was meant.`,
          fix: `Replace ${m[0]} with the real value, or with a template parameter (\${Name}).`,
        });
      }
    };
    for (const t of ctx.trusts) {
      if (t.document !== undefined) reportIn(t, t.document, "the trust policy");
      for (const d of t.permissions.documents)
        reportIn(t, d.document, `policy ${d.name}`, d.position);
    }
  },
};
