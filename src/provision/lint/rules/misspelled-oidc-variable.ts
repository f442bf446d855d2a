import { OIDC_VARIABLES } from "../step-signals.js";
import type { LintRule } from "../types.js";

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Names people write for these by mistake that are too far for an edit distance to catch. */
const KNOWN_MISTAKES: Record<string, string> = {
  AWS_WEB_IDENTITY_TOKEN: "AWS_WEB_IDENTITY_TOKEN_FILE",
  AWS_WEB_IDENTITY_FILE: "AWS_WEB_IDENTITY_TOKEN_FILE",
  BITBUCKET_OIDC_TOKEN: "BITBUCKET_STEP_OIDC_TOKEN",
};

/** A near-miss variable name is silently ignored: the SDK falls back to other credentials. */
export const misspelledOidcVariable: LintRule = {
  id: "misspelled-oidc-variable",
  severity: "error",
  description:
    "A script names a variable one or two letters away from AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME or BITBUCKET_STEP_OIDC_TOKEN.",
  help: "Spell the variable exactly; the AWS SDKs and Bitbucket only know the exact names.",
  check(ctx, report) {
    for (const file of ctx.pipelines) {
      for (const step of file.steps) {
        for (const entry of [...step.script, ...step.afterScript]) {
          const seen = new Set<string>();
          for (const word of entry.text.match(/\b[A-Z][A-Z0-9_]{9,}\b/g) ?? []) {
            if (seen.has(word) || OIDC_VARIABLES.includes(word)) continue;
            seen.add(word);
            const meant =
              KNOWN_MISTAKES[word] ??
              OIDC_VARIABLES.find((v) => distance(word, v) <= (v.length >= 20 ? 2 : 1));
            if (!meant) continue;
            report({
              file: file.source,
              position: entry.position,
              message: `step ${step.name ? `"${step.name}" ` : ""}(${step.path}) uses ${word}, which nothing reads; the name is ${meant}.`,
              fix: `Write ${meant}.`,
            });
          }
        }
      }
    }
  },
};
