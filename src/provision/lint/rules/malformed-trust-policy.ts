import type { DocPath, LintRule } from "../types.js";
import { positionIn } from "./helpers.js";

/** `$.Statement[0].Condition["StringLike"]` → `["Statement", 0, "Condition", "StringLike"]`. */
export function jsonPathSegments(path: string): DocPath {
  const out: (string | number)[] = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(`"${m[3]}"`));
  }
  return out;
}

/** IAM would refuse the document (MalformedPolicyDocument): nothing else about it can be judged. */
export const malformedTrustPolicy: LintRule = {
  id: "malformed-trust-policy",
  severity: "error",
  description: "The trust policy is not a document IAM accepts (MalformedPolicyDocument).",
  help: "Fix the document as the message says; IAM refuses it on create.",
  check(ctx, report) {
    for (const t of ctx.trusts) {
      const err = t.compileError;
      if (!err) continue;
      report({
        file: t.file,
        position: positionIn(t, jsonPathSegments(err.path)),
        message: `${t.label}: ${err.message}`,
        fix: err.hint ?? "Correct the element named in the message.",
      });
    }
  },
};
