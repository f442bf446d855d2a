import { decideAssumeRole } from "../../../sts/assume-role.js";
import type { AssumeRoleCaller, AssumeRoleRequest } from "../../../sts/types.js";
import type { AwsBackend } from "../backend.js";
import type { Caller } from "../caller.js";
import { AwsError } from "../errors.js";
import type { ActionContext } from "../service.js";
import { el, type XmlChild } from "../xml.js";
import { assumedRoleUserXml, credentialsXml } from "./shapes.js";

/**
 * AssumeRole, signed: the decision is the project's one engine (`decideAssumeRole`); this
 * handler only reads the wire parameters, issues the session on success and writes XML.
 */
export async function assumeRole(ctx: ActionContext<AwsBackend>): Promise<XmlChild[]> {
  const p = ctx.params;
  const now = Math.floor(ctx.now / 1000);
  const req: AssumeRoleRequest = {
    caller: stsCaller(ctx.caller!),
    roleArn: p.get("RoleArn") ?? "",
    roleSessionName: p.get("RoleSessionName") ?? "",
    now,
  };
  const duration = p.integer("DurationSeconds", "durationSeconds");
  if (duration !== undefined) req.durationSeconds = duration;
  for (const [name, key] of [
    ["ExternalId", "externalId"],
    ["Policy", "policy"],
    ["SourceIdentity", "sourceIdentity"],
  ] as const) {
    const v = p.get(name);
    if (v !== undefined) req[key] = v;
  }
  const policyArns = p.structList("PolicyArns")?.map((a) => a.arn ?? "");
  if (policyArns !== undefined) req.policyArns = policyArns;
  const tags = p.structList("Tags")?.map((t) => ({ key: t.Key ?? "", value: t.Value ?? "" }));
  if (tags !== undefined) req.tags = tags;
  const transitive = p.list("TransitiveTagKeys");
  if (transitive !== undefined) req.transitiveTagKeys = transitive;
  if (ctx.sourceIp !== undefined) req.sourceIp = ctx.sourceIp;

  const decision = decideAssumeRole(req, ctx.backend.world);
  ctx.backend.audit.append({
    time: new Date(ctx.now).toISOString(),
    requestId: ctx.requestId,
    ip: ctx.sourceIp,
    action: ctx.action,
    caller: req.caller.arn,
    role: req.roleArn || undefined,
    sessionName: req.roleSessionName || undefined,
    decision: decision.ok ? "allow" : "deny",
    code: decision.ok ? undefined : decision.error.code,
    reason: decision.reason,
  });
  if (!decision.ok) throw AwsError.from(decision.error);

  const credentials = ctx.backend.sessions.issue({
    account: decision.account,
    roleArn: decision.roleArn,
    roleId: decision.roleId,
    roleName: decision.roleName,
    sessionName: decision.sessionName,
    ...(decision.sourceIdentity !== undefined ? { sourceIdentity: decision.sourceIdentity } : {}),
    ...(decision.tags.length > 0
      ? { tags: decision.tags, transitiveTagKeys: decision.transitiveTagKeys }
      : {}),
    issuedAt: now,
    expiresAt: now + decision.durationSeconds,
    chained: decision.chained,
  });
  ctx.backend.iam.noteRoleUsed(
    decision.account,
    decision.roleName,
    decision.roleId,
    ctx.region,
    ctx.now,
  );
  return [
    assumedRoleUserXml(decision.assumedRoleId, decision.assumedRoleArn),
    credentialsXml(credentials),
    ...(decision.packedPolicySize !== undefined
      ? [el("PackedPolicySize", String(decision.packedPolicySize))]
      : []),
    ...(decision.sourceIdentity !== undefined
      ? [el("SourceIdentity", decision.sourceIdentity)]
      : []),
  ];
}

/** The signed caller as STS's decision sees it. */
function stsCaller(caller: Caller): AssumeRoleCaller {
  if (caller.kind === "root" || caller.kind === "user") {
    return { type: caller.kind, arn: caller.arn, account: caller.account, userId: caller.userId };
  }
  const s = caller.session;
  const out: AssumeRoleCaller = {
    type: "assumed-role",
    arn: caller.arn,
    account: caller.account,
    userId: caller.userId,
    roleArn: s.roleArn,
  };
  if (s.sourceIdentity !== undefined) out.sourceIdentity = s.sourceIdentity;
  if (s.federatedProvider !== undefined) out.federatedProvider = s.federatedProvider;
  if (s.tags !== undefined) out.tags = s.tags;
  if (s.transitiveTagKeys !== undefined) out.transitiveTagKeys = s.transitiveTagKeys;
  return out;
}
