import { isoSeconds } from "../shared/iso-time.js";
import type { OidcProviderRecord, WebIdentityRequest } from "./types.js";

/** The condition keys STS offers a trust policy for a web-identity request (domain-facts §4). */
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
