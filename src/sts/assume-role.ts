import { firstFailure } from "../policy/index.js";
import type { EvaluationResult, RequestPrincipal } from "../policy/types.js";
import { buildAssumeRoleContext } from "./context.js";
import { SESSION_LIMITS } from "./limits.js";
import {
  durationError,
  listTooLongViolation,
  packedPolicySize,
  requestRefusal,
  sessionParamSpecs,
  sessionPolicyError,
} from "./session-request.js";
import { stsErrors } from "./sts-errors.js";
import type {
  AssumeRoleAllowed,
  AssumeRoleCaller,
  AssumeRoleDecision,
  AssumeRoleRequest,
  RoleLookup,
  SessionTag,
  StsDenied,
  WireError,
} from "./types.js";
import { checkParams, type ParamSpec, sessionNamePattern } from "./validate-params.js";

const ASSUME_ROLE = "sts:AssumeRole";
const TAG_SESSION = "sts:TagSession";
const SET_SOURCE_IDENTITY = "sts:SetSourceIdentity";

const EXTERNAL_ID = { re: /^[\w+=,.@:/-]*$/, text: "[\\w+=,.@:\\/-]*" };
const TAG_KEY = { re: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, text: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+" };
const TAG_VALUE = { re: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, text: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*" };
const MAX_SESSION_TAGS = 50;

/**
 * Decides one AssumeRole as STS would, for any caller (the account root, an IAM user, a role
 * session), in this order (docs/decisions.md): parameters → the role ARN → root callers refused →
 * the one-hour cap of a chained session → the role and its trust policy for `sts:AssumeRole` →
 * `sts:TagSession` when tags are passed → `sts:SetSourceIdentity` when a source identity is set
 * or carried → the session policy → DurationSeconds against the role's maximum.
 *
 * The emulator, `explain --assume-role` and `credentials --chain`'s diagnosis ask this one
 * function; it returns the same shape as `decideWebIdentity`, with the trust policy's trace.
 */
export function decideAssumeRole(req: AssumeRoleRequest, world: RoleLookup): AssumeRoleDecision {
  const { caller } = req;
  const tags = req.tags ?? [];
  const transitive = req.transitiveTagKeys ?? [];
  const violations = checkParams([
    ...sessionParamSpecs(req),
    {
      name: "externalId",
      value: req.externalId,
      minLength: 2,
      maxLength: 1224,
      pattern: EXTERNAL_ID,
    },
    {
      name: "sourceIdentity",
      value: req.sourceIdentity,
      minLength: 2,
      maxLength: 64,
      pattern: sessionNamePattern,
    },
    ...tagSpecs(tags, transitive),
  ]);
  violations.push(
    ...listTooLongViolation("policyArns", req.policyArns ?? [], SESSION_LIMITS.maxPolicyArns),
    ...listTooLongViolation(
      "tags",
      tags.map((t) => `${t.key}=${t.value}`),
      MAX_SESSION_TAGS,
    ),
    ...listTooLongViolation("transitiveTagKeys", transitive, MAX_SESSION_TAGS),
  );
  const checked = requestRefusal(violations, req.roleArn);
  if ("refusal" in checked) return deny(checked.refusal.error, checked.refusal.reason);
  const { target } = checked;
  if (caller.type === "root") {
    return deny(
      stsErrors.rootCannotAssume(),
      `${caller.arn} is the account's root user, which STS never lets assume a role; call with an IAM user's or a role session's credentials`,
    );
  }
  const chained = caller.type === "assumed-role";
  const durationSeconds = req.durationSeconds ?? SESSION_LIMITS.defaultDurationSeconds;
  if (chained && durationSeconds > SESSION_LIMITS.chainedMaxSeconds) {
    return deny(
      stsErrors.chainedDurationExceeded(),
      `a session assumed with a role session's credentials lasts at most ${SESSION_LIMITS.chainedMaxSeconds} s; ${durationSeconds} s was asked`,
    );
  }
  const inheritedTransitive = inheritedTransitiveTags(caller);
  const overridden = tags
    .filter((t) => inheritedTransitive.some((i) => i.key.toLowerCase() === t.key.toLowerCase()))
    .map((t) => t.key);
  if (overridden.length > 0) {
    return deny(
      stsErrors.transitiveTagOverride(overridden),
      `the calling session passes ${overridden.join(", ")} on as transitive tags, which a chained session cannot replace`,
    );
  }
  const inheritedSource = caller.sourceIdentity;
  if (
    inheritedSource !== undefined &&
    req.sourceIdentity !== undefined &&
    req.sourceIdentity !== inheritedSource
  ) {
    return deny(
      stsErrors.sourceIdentityChanged(),
      `the calling session's source identity is "${inheritedSource}"; a chained session keeps it`,
    );
  }

  const context = buildAssumeRoleContext(req);
  const refused = (action: string, reason: string, trace?: EvaluationResult): StsDenied => ({
    ...deny(stsErrors.notAuthorized(caller.arn, action, req.roleArn), reason),
    context,
    ...(trace ? { trace } : {}),
  });
  // A missing role is refused exactly like a refusing trust policy: AWS reveals neither.
  const role = world.role(req.roleArn);
  if (!role) return refused(ASSUME_ROLE, `role ${req.roleArn} does not exist`);

  const principal = requestPrincipal(caller);
  const evaluate = (action: string) => role.trustPolicy.evaluate({ principal, action, context });
  const trace = evaluate(ASSUME_ROLE);
  if (!trace.allowed) return refused(ASSUME_ROLE, trustReason(trace, caller), trace);
  if (tags.length > 0 || transitive.length > 0) {
    const tagTrace = evaluate(TAG_SESSION);
    if (!tagTrace.allowed) {
      return refused(
        TAG_SESSION,
        `${trustReason(tagTrace, caller)}; session tags need ${TAG_SESSION} in the trust policy`,
        tagTrace,
      );
    }
  }
  const sourceIdentity = inheritedSource ?? req.sourceIdentity;
  if (sourceIdentity !== undefined) {
    const siTrace = evaluate(SET_SOURCE_IDENTITY);
    if (!siTrace.allowed) {
      return refused(
        SET_SOURCE_IDENTITY,
        `${trustReason(siTrace, caller)}; a source identity (set here or carried by the calling session) needs ${SET_SOURCE_IDENTITY} in the trust policy`,
        siTrace,
      );
    }
  }

  const policyProblem = sessionPolicyError(req.policy);
  if (policyProblem) return { ...deny(policyProblem.error, policyProblem.reason), context, trace };
  const tooLong = durationError(durationSeconds, role);
  if (tooLong) return { ...deny(tooLong.error, tooLong.reason), context, trace };

  const sessionTags = [...inheritedTransitive, ...tags];
  const transitiveTagKeys = [
    ...inheritedTransitive.map((t) => t.key),
    ...transitive.filter((k) => tags.some((t) => t.key === k)),
  ];
  const packed = packedPolicySize({ ...req, tags });
  const allowed: AssumeRoleAllowed = {
    ok: true,
    roleArn: role.arn,
    roleName: role.name,
    roleId: role.roleId,
    account: target.account,
    sessionName: req.roleSessionName,
    assumedRoleArn: assumedRoleArn(
      target.partition,
      target.account,
      role.name,
      req.roleSessionName,
    ),
    assumedRoleId: `${role.roleId}:${req.roleSessionName}`,
    durationSeconds,
    chained,
    tags: sessionTags,
    transitiveTagKeys,
    context,
    trace,
    reason: `allowed by the trust policy of ${role.arn}`,
  };
  if (sourceIdentity !== undefined) allowed.sourceIdentity = sourceIdentity;
  if (packed !== undefined) allowed.packedPolicySize = packed;
  return allowed;
}

/** `arn:<partition>:sts::<account>:assumed-role/<role name>/<session>` (no path, as STS writes it). */
export function assumedRoleArn(
  partition: string,
  account: string,
  roleName: string,
  sessionName: string,
): string {
  return `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`;
}

/** The caller as a trust policy's Principal element sees it. */
function requestPrincipal(caller: AssumeRoleCaller): RequestPrincipal {
  return caller.roleArn !== undefined
    ? { type: "AWS", id: caller.arn, account: caller.account, roleArn: caller.roleArn }
    : { type: "AWS", id: caller.arn, account: caller.account };
}

function inheritedTransitiveTags(caller: AssumeRoleCaller): SessionTag[] {
  const keys = caller.transitiveTagKeys ?? [];
  return (caller.tags ?? []).filter((t) => keys.includes(t.key));
}

function trustReason(trace: EvaluationResult, caller: AssumeRoleCaller): string {
  return `the trust policy refuses ${caller.arn}: ${firstFailure(trace)}`;
}

/** Model constraints of `Tags.member.N.Key/Value` and `TransitiveTagKeys.member.N`. */
function tagSpecs(tags: readonly SessionTag[], transitive: readonly string[]): ParamSpec[] {
  const specs: ParamSpec[] = [];
  tags.forEach((t, i) => {
    specs.push(
      {
        name: `tags.${i + 1}.member.key`,
        value: t.key,
        required: true,
        minLength: 1,
        maxLength: 128,
        pattern: TAG_KEY,
      },
      { name: `tags.${i + 1}.member.value`, value: t.value, maxLength: 256, pattern: TAG_VALUE },
    );
  });
  transitive.forEach((k, i) => {
    specs.push({
      name: `transitiveTagKeys.${i + 1}.member`,
      value: k,
      required: true,
      minLength: 1,
      maxLength: 128,
      pattern: TAG_KEY,
    });
  });
  return specs;
}

function deny(error: WireError, reason: string): StsDenied {
  return { ok: false, error, reason };
}
