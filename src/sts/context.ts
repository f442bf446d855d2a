import { isoSeconds } from "../shared/iso-time.js";
import type { AssumeRoleRequest, OidcProviderRecord, WebIdentityRequest } from "./types.js";

/** The condition keys STS offers a trust policy for a web-identity request (docs/aws-behaviour.md, "Condition keys and claims checks"). */
export function buildWebIdentityContext(input: {
  provider: OidcProviderRecord;
  claims: Record<string, unknown>;
  audience: string;
  req: Pick<WebIdentityRequest, "sourceIp" | "roleSessionName" | "now">;
}): Record<string, string | string[]> {
  const { provider, claims, audience, req } = input;
  const k = claimKeys(provider.url);
  const ctx: Record<string, string | string[]> = {};
  ctx[k.aud] = audience;
  if (typeof claims.sub === "string") ctx[k.sub] = claims.sub;
  const amr = claims.amr;
  if (typeof amr === "string") ctx[k.amr] = [amr];
  else if (Array.isArray(amr)) ctx[k.amr] = amr.filter((v): v is string => typeof v === "string");
  if (typeof claims.azp === "string") ctx[k.azp] = claims.azp;
  ctx["aws:FederatedProvider"] = provider.arn;
  ctx["sts:RoleSessionName"] = req.roleSessionName;
  if (req.sourceIp) ctx["aws:SourceIp"] = req.sourceIp;
  ctx["aws:CurrentTime"] = isoSeconds(req.now);
  ctx["aws:EpochTime"] = String(req.now);
  ctx["aws:SecureTransport"] = "true";
  return ctx;
}

interface ClaimKeys {
  aud: string;
  sub: string;
  amr: string;
  azp: string;
}
const claimKeysByUrl = new Map<string, ClaimKeys>();
/** `<provider url>:aud` and friends, built once per provider rather than once per request. */
function claimKeys(url: string): ClaimKeys {
  let k = claimKeysByUrl.get(url);
  if (k === undefined) {
    k = { aud: `${url}:aud`, sub: `${url}:sub`, amr: `${url}:amr`, azp: `${url}:azp` };
    // Bounded: provider URLs come from IAM state, but a long-lived server should not hoard them.
    if (claimKeysByUrl.size >= 1024) claimKeysByUrl.clear();
    claimKeysByUrl.set(url, k);
  }
  return k;
}

const PRINCIPAL_TYPE = { root: "Account", user: "User", "assumed-role": "AssumedRole" } as const;

/**
 * The condition keys STS offers a trust policy for AssumeRole (IAM's global and STS condition
 * keys; docs/aws-behaviour.md "STS AssumeRole"). Session tags appear as `aws:RequestTag/<key>`
 * and `aws:TagKeys`; the caller's own session tags as `aws:PrincipalTag/<key>`.
 */
export function buildAssumeRoleContext(req: AssumeRoleRequest): Record<string, string | string[]> {
  const { caller } = req;
  const ctx: Record<string, string | string[]> = {
    "aws:PrincipalArn":
      caller.type === "assumed-role" ? (caller.roleArn ?? caller.arn) : caller.arn,
    "aws:PrincipalAccount": caller.account,
    "aws:PrincipalType": PRINCIPAL_TYPE[caller.type],
    "aws:userid": caller.userId,
    "sts:RoleSessionName": req.roleSessionName,
    "aws:CurrentTime": isoSeconds(req.now),
    "aws:EpochTime": String(req.now),
    // Real STS is HTTPS-only, so policies requiring secure transport pass.
    "aws:SecureTransport": "true",
  };
  if (caller.type === "user")
    ctx["aws:username"] = caller.arn.slice(caller.arn.lastIndexOf("/") + 1);
  if (req.sourceIp !== undefined) ctx["aws:SourceIp"] = req.sourceIp;
  if (req.externalId !== undefined) ctx["sts:ExternalId"] = req.externalId;
  if (req.sourceIdentity !== undefined) ctx["sts:SourceIdentity"] = req.sourceIdentity;
  if (caller.sourceIdentity !== undefined) ctx["aws:SourceIdentity"] = caller.sourceIdentity;
  if (caller.federatedProvider !== undefined) {
    ctx["aws:FederatedProvider"] = caller.federatedProvider;
  }
  for (const t of caller.tags ?? []) ctx[`aws:PrincipalTag/${t.key}`] = t.value;
  if (req.tags !== undefined && req.tags.length > 0) {
    for (const t of req.tags) ctx[`aws:RequestTag/${t.key}`] = t.value;
    ctx["aws:TagKeys"] = req.tags.map((t) => t.key);
  }
  if (req.transitiveTagKeys !== undefined && req.transitiveTagKeys.length > 0) {
    ctx["sts:TransitiveTagKeys"] = [...req.transitiveTagKeys];
  }
  return ctx;
}
