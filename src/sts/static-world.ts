import type { KeyResolver } from "../oidc/index.js";
import { type CompiledPolicy, compilePolicy } from "../policy/index.js";
import type { OidcProviderRecord, RoleRecord, StsWorld } from "./types.js";
import { parseRoleArn } from "./validate-params.js";

export interface StaticProvider {
  account: string;
  /** With or without `https://`; stored without, as IAM does. */
  url: string;
  clientIds: string[];
  thumbprints?: string[];
  partition?: string;
}

export interface StaticRole {
  arn: string;
  trustPolicy: unknown;
  /**
   * `trustPolicy` already compiled as a trust policy, by a caller that uses it elsewhere too (the
   * audit hands one compile to who-can, lint and its probes); not compiled again here.
   */
  compiled?: CompiledPolicy;
  maxSessionDuration?: number;
  roleId?: string;
}

export function providerRecord(p: StaticProvider): OidcProviderRecord {
  const url = p.url.replace(/^https:\/\//, "");
  return {
    arn: `arn:${p.partition ?? "aws"}:iam::${p.account}:oidc-provider/${url}`,
    url,
    clientIds: [...p.clientIds],
    thumbprints: [...(p.thumbprints ?? [])],
  };
}

/** A deterministic stand-in for IAM's unique role ID (`AROA` + 17 characters). */
export function syntheticRoleId(arn: string): string {
  let h = 2166136261;
  for (let i = 0; i < arn.length; i++) h = Math.imul(h ^ arn.charCodeAt(i), 16777619) >>> 0;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let id = "AROA";
  let x = h;
  for (let i = 0; i < 17; i++) {
    id += alphabet[x % 32];
    x = Math.imul(x ^ (x >>> 13), 2654435761) >>> 0;
  }
  return id;
}

/**
 * A world of given providers and roles, for explain, who-can and the decision cases. Trust
 * policies are compiled here (once), so a malformed one fails before any decision.
 */
export function staticWorld(input: {
  providers: StaticProvider[];
  roles: StaticRole[];
  keys: KeyResolver;
  thumbprintMatches?: StsWorld["thumbprintMatches"];
}): StsWorld {
  // By account, then URL: no key string is built per lookup (this is on every decision).
  const providers = new Map<string, Map<string, OidcProviderRecord>>();
  for (const p of input.providers) {
    let byUrl = providers.get(p.account);
    if (byUrl === undefined) {
      byUrl = new Map();
      providers.set(p.account, byUrl);
    }
    byUrl.set(p.url.replace(/^https:\/\//, ""), providerRecord(p));
  }
  const roles = new Map<string, RoleRecord>();
  for (const r of input.roles) {
    const parts = parseRoleArn(r.arn);
    roles.set(r.arn, {
      arn: r.arn,
      name: parts?.name ?? r.arn,
      roleId: r.roleId ?? syntheticRoleId(r.arn),
      trustPolicy: r.compiled ?? compilePolicy(r.trustPolicy, { kind: "trust" }),
      maxSessionDuration: r.maxSessionDuration ?? 3600,
    });
  }
  const world: StsWorld = {
    provider: (account, url) => providers.get(account)?.get(url),
    role: (arn) => roles.get(arn),
    keys: input.keys,
  };
  if (input.thumbprintMatches) world.thumbprintMatches = input.thumbprintMatches;
  return world;
}
