/**
 * What a linted file is, decided by its content (names vary: `template.yaml`, `trust.json`,
 * `bitbucket-pipelines.yml`, `role.json` from `aws iam get-role`).
 */
import { parse } from "yaml";
import { InputError } from "../../errors.js";

export type FileKind = "template" | "policy" | "pipelines";

const TEMPLATE_KEYS = ["Resources", "AWSTemplateFormatVersion"];
const POLICY_KEYS = ["Statement", "AssumeRolePolicyDocument", "Role"];

function kindOfValue(value: unknown): FileKind | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if (TEMPLATE_KEYS.some((k) => k in o)) return "template";
  if ("pipelines" in o) return "pipelines";
  if (POLICY_KEYS.some((k) => k in o)) return "policy";
  if (o.Type === "AWS::IAM::Role" && typeof o.Properties === "object") return "policy";
  return undefined;
}

export function detectKind(text: string, file: string): FileKind {
  const trimmed = text.trimStart();
  let value: unknown;
  if (trimmed.startsWith("{")) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new InputError(`${file} is not valid JSON: ${(err as Error).message}.`, {
        hint: "Fix the JSON syntax, then lint again.",
      });
    }
  } else {
    // Cheap sniffing first: a large template should not be parsed twice just to be recognised.
    if (/^(Resources|AWSTemplateFormatVersion)\s*:/m.test(text)) return "template";
    if (/^pipelines\s*:/m.test(text)) return "pipelines";
    try {
      // CloudFormation short-form tags are only warnings to a plain YAML parse.
      value = parse(text, { logLevel: "silent" });
    } catch (err) {
      throw new InputError(
        `${file} is neither JSON nor YAML: ${(err as Error).message.split("\n")[0]}.`,
      );
    }
  }
  const kind = kindOfValue(value);
  if (kind) return kind;
  throw new InputError(
    `${file}: cannot tell what this file is; lint reads CloudFormation templates (with Resources), IAM trust policies or roles (with Statement or AssumeRolePolicyDocument) and bitbucket-pipelines.yml (with pipelines).`,
  );
}
