import { decideWebIdentity } from "../../../sts/decide.js";
import type { WebIdentityRequest } from "../../../sts/types.js";
import { parseRoleArn } from "../../../sts/validate-params.js";
import type { AwsBackend } from "../backend.js";
import { AwsError } from "../errors.js";
import type { ActionContext } from "../service.js";
import { el, type XmlChild } from "../xml.js";
import { assumedRoleUserXml, credentialsXml } from "./shapes.js";

/**
 * AssumeRoleWithWebIdentity: the decision is the project's one engine (`decideWebIdentity`);
 * this handler only reads the wire parameters, issues the session on success and writes XML.
 */
export async function assumeRoleWithWebIdentity(
  ctx: ActionContext<AwsBackend>,
): Promise<XmlChild[]> {
  const p = ctx.params;
  const nowSeconds = Math.floor(ctx.now / 1000);
  const req: WebIdentityRequest = {
    roleArn: p.get("RoleArn") ?? "",
    roleSessionName: p.get("RoleSessionName") ?? "",
    webIdentityToken: p.get("WebIdentityToken") ?? "",
    now: nowSeconds,
  };
  const duration = p.integer("DurationSeconds", "durationSeconds");
  if (duration !== undefined) req.durationSeconds = duration;
  const policy = p.get("Policy");
  if (policy !== undefined) req.policy = policy;
  const policyArns = p.structList("PolicyArns")?.map((a) => a.arn ?? "");
  if (policyArns !== undefined) req.policyArns = policyArns;
  if (ctx.sourceIp !== undefined) req.sourceIp = ctx.sourceIp;

  const decision = await decideWebIdentity(req, ctx.backend.world);
  const claims = decision.claims ?? {};
  ctx.backend.audit.append({
    time: new Date(ctx.now).toISOString(),
    requestId: ctx.requestId,
    ip: ctx.sourceIp,
    action: ctx.action,
    role: req.roleArn || undefined,
    sessionName: req.roleSessionName || undefined,
    subject: typeof claims.sub === "string" ? claims.sub : undefined,
    issuer: typeof claims.iss === "string" ? claims.iss : undefined,
    decision: decision.ok ? "allow" : "deny",
    code: decision.ok ? undefined : decision.error.code,
    reason: decision.reason,
    // Refusals of tokens whose signature never held are counted, not written line by line.
    tokenVerified: decision.tokenVerified === true,
  });
  if (!decision.ok) throw AwsError.from(decision.error);

  const role = parseRoleArn(decision.roleArn)!;
  const roleId = decision.assumedRoleId.slice(0, decision.assumedRoleId.indexOf(":"));
  const credentials = ctx.backend.sessions.issue({
    account: role.account,
    roleArn: decision.roleArn,
    roleId,
    roleName: role.name,
    sessionName: decision.sessionName,
    issuedAt: nowSeconds,
    expiresAt: nowSeconds + decision.durationSeconds,
    chained: false,
    federatedProvider: decision.providerArn,
  });
  ctx.backend.iam.noteRoleUsed(role.account, role.name, roleId, ctx.region, ctx.now);
  return [
    el("SubjectFromWebIdentityToken", decision.subject),
    el("Audience", decision.audience),
    assumedRoleUserXml(decision.assumedRoleId, decision.assumedRoleArn),
    credentialsXml(credentials),
    ...(decision.packedPolicySize !== undefined
      ? [el("PackedPolicySize", String(decision.packedPolicySize))]
      : []),
    el("Provider", decision.providerArn),
  ];
}
