import type { OidcProviderRecord, WebIdentityRequest } from "./types.js";

/**
 * The first token audience (in the token's order) that is one of the provider's client IDs.
 * [U] domain-facts §3: the `:aud` condition key then holds that one client ID.
 */
export function matchAudience(aud: unknown, clientIds: readonly string[]): string | undefined {
  const values = Array.isArray(aud) ? aud : [aud];
  for (const v of values) if (typeof v === "string" && clientIds.includes(v)) return v;
  return undefined;
}

/** The condition keys STS offers a trust policy for a web-identity request (domain-facts §4). */
export function buildWebIdentityContext(input: {
  provider: OidcProviderRecord;
  claims: Record<string, unknown>;
  audience: string;
  req: Pick<WebIdentityRequest, "sourceIp" | "roleSessionName" | "now">;
}): Record<string, string | string[]> {
  const { provider, claims, audience, req } = input;
  const p = provider.url;
  const ctx: Record<string, string | string[]> = {};
  ctx[`${p}:aud`] = audience;
  if (typeof claims.sub === "string") ctx[`${p}:sub`] = claims.sub;
  const amr = claims.amr;
  if (typeof amr === "string") ctx[`${p}:amr`] = [amr];
  else if (Array.isArray(amr))
    ctx[`${p}:amr`] = amr.filter((v): v is string => typeof v === "string");
  if (typeof claims.azp === "string") ctx[`${p}:azp`] = claims.azp;
  ctx["aws:FederatedProvider"] = provider.arn;
  ctx["sts:RoleSessionName"] = req.roleSessionName;
  if (req.sourceIp) ctx["aws:SourceIp"] = req.sourceIp;
  ctx["aws:CurrentTime"] = isoSeconds(req.now);
  ctx["aws:EpochTime"] = String(req.now);
  ctx["aws:SecureTransport"] = "true";
  return ctx;
}

let lastEpoch = Number.NaN;
let lastIso = "";
/** ISO 8601 without milliseconds; the last value is kept since a server sees one second many times. */
function isoSeconds(epoch: number): string {
  if (epoch !== lastEpoch) {
    lastIso = new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    lastEpoch = epoch;
  }
  return lastIso;
}
