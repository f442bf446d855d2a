import { stepSignals } from "../step-signals.js";
import type { LintRule } from "../types.js";

// biome-ignore lint/suspicious/noTemplateCurlyInString: shell references, written literally
const SELF = ["$AWS_WEB_IDENTITY_TOKEN_FILE", "${AWS_WEB_IDENTITY_TOKEN_FILE}"];

/**
 * The SDKs read the token from the file AWS_WEB_IDENTITY_TOKEN_FILE names; Bitbucket only puts it
 * in a variable. Exporting the path without writing the token there fails with an unreadable or
 * empty token (Atlassian KB).
 */
export const tokenFileNotWritten: LintRule = {
  id: "token-file-not-written",
  severity: "error",
  description:
    "A step exports AWS_WEB_IDENTITY_TOKEN_FILE but never writes $BITBUCKET_STEP_OIDC_TOKEN to that file.",
  help: 'Write the token before calling AWS: echo "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE" (or use bb-oidc configure).',
  check(ctx, report) {
    for (const file of ctx.pipelines) {
      for (const step of file.steps) {
        const s = stepSignals(step);
        if (s.bbOidc || s.tokenFileExports.length === 0) continue;
        for (const exp of s.tokenFileExports) {
          const written = s.tokenWrites.some(
            (w) => w.target === exp.value || SELF.includes(w.target),
          );
          if (written) continue;
          const elsewhere = s.tokenWrites[0];
          const other = elsewhere
            ? ` (it writes the token to ${elsewhere.target} on line ${elsewhere.entry.position.line} instead)`
            : "";
          report({
            file: file.source,
            position: exp.entry.position,
            message: `step ${step.name ? `"${step.name}" ` : ""}(${step.path}) sets AWS_WEB_IDENTITY_TOKEN_FILE=${exp.value} but never writes $BITBUCKET_STEP_OIDC_TOKEN to it${other}; the SDK finds no token.`,
            fix: `Add \`echo "$BITBUCKET_STEP_OIDC_TOKEN" > ${exp.value}\` after the export (or run \`bb-oidc configure\`).`,
          });
        }
      }
    }
  },
};
