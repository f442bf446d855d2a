import { compilePolicy } from "../../../policy/index.js";
import type { RequestPrincipal } from "../../../policy/types.js";
import { stsErrors } from "../../../sts/sts-errors.js";
import type { WireError } from "../../../sts/types.js";
import {
  arnPattern,
  checkParams,
  parseRoleArn,
  sessionNamePattern,
} from "../../../sts/validate-params.js";
import type { AwsBackend } from "../backend.js";
import { assumedRoleArn, type Caller } from "../caller.js";
import { AwsError } from "../errors.js";
import type { ActionContext } from "../service.js";
import { el, type XmlChild } from "../xml.js";
import { assumedRoleUserXml, credentialsXml, isoSeconds } from "./shapes.js";

const ACTION = "sts:AssumeRole";
/** AWS caps a session assumed with session credentials (role chaining) at one hour. */
export const CHAINED_SESSION_MAX_SECONDS = 3600;
const EXTERNAL_ID = { re: /^[\w+=,.@:/-]*$/, text: "[\\w+=,.@:\\/-]*" };

function fail(e: WireError): never {
  throw AwsError.from(e);
}

/**
 * AssumeRole, signed, for the account root or a role session (chaining). The target role's trust
 * policy goes through the same evaluator as web identity, with an AWS principal.
 */
export async function assumeRole(ctx: ActionContext<AwsBackend>): Promise<XmlChild[]> {
  const caller = ctx.caller!;
  const p = ctx.params;
  const roleArn = p.get("RoleArn") ?? "";
  const sessionName = p.get("RoleSessionName") ?? "";
  let outcome: { code?: string; reason: string } = { reason: "" };
  try {
    const result = await decideAndIssue(ctx, caller, roleArn, sessionName);
    outcome = { reason: result.reason };
    return result.xml;
  } catch (err) {
    outcome = {
      code: err instanceof AwsError ? err.code : "InternalFailure",
      reason: (err as { auditReason?: string }).auditReason ?? (err as Error).message,
    };
    throw err;
  } finally {
    ctx.backend.audit.append({
      time: new Date(ctx.now).toISOString(),
      requestId: ctx.requestId,
      ip: ctx.sourceIp,
      action: ctx.action,
      caller: caller.arn,
      role: roleArn || undefined,
      sessionName: sessionName || undefined,
      decision: outcome.code ? "deny" : "allow",
      code: outcome.code,
      reason: outcome.reason,
    });
  }
}

async function decideAndIssue(
  ctx: ActionContext<AwsBackend>,
  caller: Caller,
  roleArn: string,
  sessionName: string,
): Promise<{ xml: XmlChild[]; reason: string }> {
  const p = ctx.params;
  const duration = p.integer("DurationSeconds", "durationSeconds");
  const externalId = p.get("ExternalId");
  const policy = p.get("Policy");
  const sourceIdentity = p.get("SourceIdentity");
  const policyArns = p.structList("PolicyArns")?.map((a) => a.arn ?? "") ?? [];
  const violations = checkParams([
    {
      name: "roleArn",
      value: roleArn,
      required: true,
      minLength: 20,
      maxLength: 2048,
      pattern: arnPattern,
    },
    {
      name: "roleSessionName",
      value: sessionName,
      required: true,
      minLength: 2,
      maxLength: 64,
      pattern: sessionNamePattern,
    },
    { name: "durationSeconds", value: duration, min: 900, max: 43200 },
    { name: "externalId", value: externalId, minLength: 2, maxLength: 1224, pattern: EXTERNAL_ID },
    { name: "policy", value: policy, minLength: 1, maxLength: 2048 },
    {
      name: "sourceIdentity",
      value: sourceIdentity,
      minLength: 2,
      maxLength: 64,
      pattern: sessionNamePattern,
    },
  ]);
  if (policyArns.length > 10) {
    violations.push(
      `Value '[${policyArns.join(", ")}]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
  }
  if (violations.length > 0) fail(stsErrors.validation(violations));
  const target = parseRoleArn(roleArn);
  if (!target) fail(stsErrors.invalidRoleArn());

  const chained = caller.kind === "session";
  const durationSeconds = duration ?? 3600;
  if (chained && durationSeconds > CHAINED_SESSION_MAX_SECONDS) {
    throw new AwsError(
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
  }

  const denied = (reason: string): never => {
    const e = new AwsError(
      "AccessDenied",
      403,
      `User: ${caller.arn} is not authorized to perform: ${ACTION} on resource: ${roleArn}`,
    );
    Object.assign(e, { auditReason: reason });
    throw e;
  };
  // A missing role is refused exactly like a refusing trust policy: AWS reveals neither.
  const role = ctx.backend.world.role(roleArn);
  if (!role) return denied(`role ${roleArn} does not exist`);

  const principal: RequestPrincipal =
    caller.kind === "root"
      ? { type: "AWS", id: caller.arn, account: caller.account }
      : { type: "AWS", id: caller.arn, account: caller.account, roleArn: caller.session.roleArn };
  const trace = role.trustPolicy.evaluate({
    principal,
    action: ACTION,
    context: assumeRoleContext(ctx, caller, sessionName, externalId, sourceIdentity),
  });
  if (!trace.allowed) {
    return denied(
      trace.decision === "explicitDeny"
        ? "an explicit Deny in the trust policy applies"
        : `no statement of the trust policy allows ${caller.arn}`,
    );
  }

  if (policy !== undefined) {
    try {
      compilePolicy(policy, { kind: "identity" });
    } catch (err) {
      fail(stsErrors.malformedPolicy((err as Error).message));
    }
  }
  if (durationSeconds > role.maxSessionDuration) fail(stsErrors.durationExceedsRoleMax());

  const nowSeconds = Math.floor(ctx.now / 1000);
  const inherited = caller.kind === "session" ? caller.session.sourceIdentity : undefined;
  const credentials = ctx.backend.sessions.issue({
    account: target.account,
    roleArn: role.arn,
    roleId: role.roleId,
    roleName: role.name,
    sessionName,
    // A source identity, once set, follows every chained session.
    ...((inherited ?? sourceIdentity) ? { sourceIdentity: inherited ?? sourceIdentity } : {}),
    issuedAt: nowSeconds,
    expiresAt: nowSeconds + durationSeconds,
    chained,
  });
  const arn = assumedRoleArn(target.account, role.name, sessionName);
  return {
    reason: `allowed by the trust policy of ${role.arn}; session until ${isoSeconds(credentials.expiration)}`,
    xml: [
      assumedRoleUserXml(`${role.roleId}:${sessionName}`, arn),
      credentialsXml(credentials),
      ...(policy !== undefined
        ? [el("PackedPolicySize", String(packedPolicyPercent(policy)))]
        : []),
      ...((inherited ?? sourceIdentity)
        ? [el("SourceIdentity", (inherited ?? sourceIdentity)!)]
        : []),
    ],
  };
}

/** The condition keys AWS offers a trust policy for AssumeRole. */
function assumeRoleContext(
  ctx: ActionContext<AwsBackend>,
  caller: Caller,
  sessionName: string,
  externalId: string | undefined,
  sourceIdentity: string | undefined,
): Record<string, string> {
  const nowSeconds = Math.floor(ctx.now / 1000);
  const c: Record<string, string> = {
    "aws:PrincipalArn": caller.kind === "root" ? caller.arn : caller.session.roleArn,
    "aws:PrincipalAccount": caller.account,
    "aws:PrincipalType": caller.kind === "root" ? "Account" : "AssumedRole",
    "aws:userid": caller.userId,
    "sts:RoleSessionName": sessionName,
    "aws:CurrentTime": isoSeconds(nowSeconds),
    "aws:EpochTime": String(nowSeconds),
    // Real STS is HTTPS-only, so policies requiring secure transport must pass (as in decide).
    "aws:SecureTransport": "true",
  };
  if (ctx.sourceIp !== undefined) c["aws:SourceIp"] = ctx.sourceIp;
  if (externalId !== undefined) c["sts:ExternalId"] = externalId;
  if (sourceIdentity !== undefined) c["sts:SourceIdentity"] = sourceIdentity;
  if (caller.kind === "session") {
    if (caller.session.sourceIdentity) c["aws:SourceIdentity"] = caller.session.sourceIdentity;
    if (caller.session.federatedProvider) {
      c["aws:FederatedProvider"] = caller.session.federatedProvider;
    }
  }
  return c;
}

/** PackedPolicySize: percentage of the packed session policy limit used. [U] approximation. */
function packedPolicyPercent(policy: string): number {
  return Math.min(100, Math.ceil((policy.replace(/\s+/g, "").length / 2048) * 100));
}
