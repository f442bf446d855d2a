/**
 * STS's parameter constraints (from the service model), with AWS's "N validation errors detected"
 * wording. The token is never echoed: AWS omits values of sensitive members, and so do we.
 */
import { IAM_NAME_CHARS, iamNamePattern } from "../shared/iam-names.js";

export { parseRoleArn, type RoleArnParts } from "../shared/iam-names.js";

export const SESSION_NAME_PATTERN = iamNamePattern(0);
const ARN_CHARS =
  /^[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u;

export interface ParamSpec {
  name: string;
  value: string | number | undefined;
  required?: boolean;
  sensitive?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: { re: RegExp; text: string };
  min?: number;
  max?: number;
}

function show(spec: ParamSpec): string {
  return spec.sensitive ? "Value" : `Value '${String(spec.value)}'`;
}

/** Returns AWS-worded violations, empty when every constraint holds. */
export function checkParams(specs: ParamSpec[]): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const { value } = spec;
    // Built only for a violation: this runs on every STS request.
    const at = () => `at '${spec.name}' failed to satisfy constraint:`;
    if (value === undefined || value === "") {
      if (spec.required) out.push(`Value null ${at()} Member must not be null`);
      continue;
    }
    if (typeof value === "string") {
      if (spec.minLength !== undefined && value.length < spec.minLength)
        out.push(
          `${show(spec)} ${at()} Member must have length greater than or equal to ${spec.minLength}`,
        );
      if (spec.maxLength !== undefined && value.length > spec.maxLength)
        out.push(
          `${show(spec)} ${at()} Member must have length less than or equal to ${spec.maxLength}`,
        );
      if (spec.pattern && !spec.pattern.re.test(value))
        out.push(
          `${show(spec)} ${at()} Member must satisfy regular expression pattern: ${spec.pattern.text}`,
        );
    } else {
      if (spec.min !== undefined && value < spec.min)
        out.push(
          `${show(spec)} ${at()} Member must have value greater than or equal to ${spec.min}`,
        );
      if (spec.max !== undefined && value > spec.max)
        out.push(`${show(spec)} ${at()} Member must have value less than or equal to ${spec.max}`);
    }
  }
  return out;
}

export const arnPattern = {
  re: ARN_CHARS,
  text: "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
};
export const sessionNamePattern = { re: SESSION_NAME_PATTERN, text: `${IAM_NAME_CHARS}*` };
