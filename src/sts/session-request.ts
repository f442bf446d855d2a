/**
 * What AssumeRole and AssumeRoleWithWebIdentity share: the parameters both take (role, session
 * name, duration, session policies), the session-policy check, the duration check against the
 * role, and the packed size STS reports.
 */
import { hasCode } from "../errors.js";
import { compilePolicy, policySize } from "../policy/index.js";
import { SESSION_LIMITS } from "./limits.js";
import { stsErrors, wireErrorOf } from "./sts-errors.js";
import type { RoleRecord, WireError } from "./types.js";
import {
  arnPattern,
  type ParamSpec,
  parseRoleArn,
  type RoleArnParts,
  sessionNamePattern,
} from "./validate-params.js";

export interface SessionParams {
  roleArn: string;
  roleSessionName: string;
  durationSeconds?: number;
  policy?: string;
  policyArns?: string[];
}

/** The model constraints of the parameters both actions take, in AWS's member names. */
export function sessionParamSpecs(req: SessionParams): ParamSpec[] {
  return [
    {
      name: "roleArn",
      value: req.roleArn,
      required: true,
      minLength: 20,
      maxLength: 2048,
      pattern: arnPattern,
    },
    {
      name: "roleSessionName",
      value: req.roleSessionName,
      required: true,
      minLength: 2,
      maxLength: 64,
      pattern: sessionNamePattern,
    },
    {
      name: "durationSeconds",
      value: req.durationSeconds,
      min: SESSION_LIMITS.minDurationSeconds,
      max: SESSION_LIMITS.maxDurationSeconds,
    },
    { name: "policy", value: req.policy, minLength: 1, maxLength: SESSION_LIMITS.policyMaxLength },
  ];
}

/** AWS's wording for a list member over its maximum. */
export function listTooLongViolation(member: string, values: string[], max: number): string[] {
  return values.length > max
    ? [
        `Value '[${values.join(", ")}]' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
      ]
    : [];
}

/**
 * The refusal for a request that breaks the model's constraints (`violations`) or names no role
 * ARN, in that order; otherwise the role ARN's parts.
 */
export function requestRefusal(
  violations: string[],
  roleArn: string,
): { refusal: { error: WireError; reason: string } } | { target: RoleArnParts } {
  if (violations.length > 0) {
    return {
      refusal: {
        error: stsErrors.validation(violations),
        reason: `the request breaks STS's parameter rules: ${violations.join("; ")}`,
      },
    };
  }
  const target = parseRoleArn(roleArn);
  if (target) return { target };
  return {
    refusal: {
      error: stsErrors.invalidRoleArn(),
      reason: `"${roleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    },
  };
}

/** A session policy IAM would refuse, as STS answers it; undefined when it is valid or absent. */
export function sessionPolicyError(
  policy: string | undefined,
): { error: WireError; reason: string } | undefined {
  if (policy === undefined) return undefined;
  try {
    compilePolicy(policy, { kind: "identity" });
    return undefined;
  } catch (err) {
    if (!hasCode(err, "ERR_POLICY_MALFORMED")) throw err;
    return {
      error: wireErrorOf(err, "sts") ?? stsErrors.malformedPolicy(err.message),
      reason: `the session policy is not valid: ${err.message}`,
    };
  }
}

/** DurationSeconds over the role's MaxSessionDuration, as STS answers it. */
export function durationError(
  durationSeconds: number,
  role: RoleRecord,
): { error: WireError; reason: string } | undefined {
  if (durationSeconds <= role.maxSessionDuration) return undefined;
  return {
    error: stsErrors.durationExceedsRoleMax(),
    reason: `DurationSeconds ${durationSeconds} is more than the role's MaxSessionDuration ${role.maxSessionDuration}`,
  };
}

/**
 * `PackedPolicySize`: the percentage of STS's packed limit that the session policies and tags
 * use. STS packs them in a binary form it does not document; this counts the policy text without
 * whitespace outside strings, the managed policy ARNs and the tags' keys and values [U].
 * Undefined when the request passes neither session policies nor tags (STS then omits it).
 */
export function packedPolicySize(req: {
  policy?: string;
  policyArns?: string[];
  tags?: readonly { key: string; value: string }[];
}): number | undefined {
  const tags = req.tags ?? [];
  if (req.policy === undefined && (req.policyArns?.length ?? 0) === 0 && tags.length === 0) {
    return undefined;
  }
  let bytes = req.policy === undefined ? 0 : policySize(req.policy);
  for (const arn of req.policyArns ?? []) bytes += arn.length;
  for (const t of tags) bytes += t.key.length + t.value.length;
  return Math.max(1, Math.ceil((bytes / SESSION_LIMITS.packedBytes) * 100));
}
