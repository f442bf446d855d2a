import type { LintRule } from "../types.js";
import { isPlaceholder } from "./helpers.js";

const THUMBPRINT = /^[0-9a-fA-F]{40}$/;

/** IAM: ThumbprintList has 0–5 entries of exactly 40 hex characters (a SHA-1, no colons). */
export const thumbprintFormat: LintRule = {
  id: "thumbprint-format",
  severity: "error",
  description:
    "An OIDC provider's ThumbprintList entry is not 40 hex characters, or the list has more than 5 entries.",
  help: "Write the SHA-1 fingerprint as 40 hex digits without colons, at most 5; or omit ThumbprintList and let IAM fetch it.",
  check(ctx, report) {
    for (const p of ctx.providers) {
      if (p.thumbprints.length > 5) {
        report({
          file: p.file,
          position: p.locate("ThumbprintList") ?? p.position,
          message: `provider ${p.logicalId} lists ${p.thumbprints.length} thumbprints; IAM accepts at most 5.`,
          fix: "Keep at most 5 thumbprints (the current and next intermediate CA), or omit ThumbprintList.",
        });
      }
      p.thumbprints.forEach((tp, i) => {
        if (THUMBPRINT.test(tp) || isPlaceholder(tp)) return;
        const stripped = tp.replace(/[:\s]/g, "");
        const fix = THUMBPRINT.test(stripped)
          ? `Write "${stripped.toLowerCase()}" (no colons or spaces).`
          : "Use the hex SHA-1 of the top intermediate CA certificate (openssl x509 -fingerprint -sha1, colons removed), or omit ThumbprintList.";
        report({
          file: p.file,
          position: p.locate("ThumbprintList", i) ?? p.position,
          message: `provider ${p.logicalId}: thumbprint ${JSON.stringify(tp)} is ${tp.length} characters, not 40 hex digits; CloudFormation fails the create.`,
          fix,
        });
      });
    }
  },
};
