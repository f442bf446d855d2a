/**
 * Synthetic Bitbucket tokens for asking the STS decision "could this repository assume that
 * role?". Lint and who-can both ask through `decideWebIdentity` with `unsignedClaims`, so the
 * answer is the same engine STS emulation and `explain` use, never a reading of conditions.
 *
 * The "unrelated repository" is a UUID derived from a hash of the policies being asked about and
 * checked not to appear in them: no policy can name it, so if it is allowed, every repository of
 * the workspace is. It is deterministic, so the same input always prints the same report.
 */
import { createHash } from "node:crypto";
import { parseIssuer } from "../../bitbucket/index.js";
import { TokenError } from "../../errors.js";
import type { KeyResolver } from "../../oidc/index.js";
import type { StsWorld, WebIdentityDecision } from "../../sts/index.js";
import { decideWebIdentity } from "../../sts/index.js";

/** Synthetic requests are unsigned; a key is never needed, and asking for one is a bug. */
export const NO_KEYS: KeyResolver = {
  getKey: async () => {
    throw new TokenError("ERR_KEY_NOT_FOUND", "synthetic requests carry no signature");
  },
};

/** A fixed instant (2026-01-01T00:00:00Z): the synthetic tokens are valid at it. */
export const SYNTHETIC_NOW = 1_767_225_600;
export const SYNTHETIC_SESSION_NAME = "bb-oidc-who-can";

/** A braced UUID (v4 layout) derived from `seed`, guaranteed not to occur in `avoid`. */
export function syntheticUuid(seed: string, avoid = ""): string {
  const lowerAvoid = avoid.toLowerCase();
  for (let n = 0; ; n++) {
    const h = createHash("sha256").update(`${seed}#${n}`).digest("hex");
    const uuid = `{${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}}`;
    // Neither braced nor bare (nor any 8-hex head) may be in a pattern, or the policy could match it.
    if (!lowerAvoid.includes(h.slice(0, 8))) return uuid;
  }
}

export interface SyntheticToken {
  /** The provider URL without `https://` (the issuer). */
  providerUrl: string;
  audience: string;
  repository: string;
  environment?: string;
  step: string;
  now?: number;
}

/** The claims Bitbucket would put in a step's token (sub `{repo}:{step}` or `{repo}:{env}:{step}`). */
export function syntheticClaims(t: SyntheticToken): Record<string, unknown> {
  const now = t.now ?? SYNTHETIC_NOW;
  const sub = t.environment
    ? `${t.repository}:${t.environment}:${t.step}`
    : `${t.repository}:${t.step}`;
  const iss = `https://${t.providerUrl}`;
  const claims: Record<string, unknown> = {
    iss,
    aud: [t.audience],
    sub,
    iat: now - 60,
    exp: now + 3540,
    repositoryUuid: t.repository,
    stepUuid: t.step,
  };
  const ws = parseIssuer(iss)?.workspace;
  if (ws) claims.workspaceUuid = ws;
  if (t.environment) claims.deploymentEnvironmentUuid = t.environment;
  return claims;
}

export interface Attempt {
  claims: Record<string, unknown>;
  sourceIp?: string;
  sessionName: string;
}

/**
 * Asks STS for each attempt in order and stops at the first allowed one. Returns that attempt and
 * decision, or — when every attempt is denied — the first attempt with its denial (its reason is
 * the plain request's), or undefined when there were no attempts. The attempts vary only what a
 * caller controls (source address, session name, which of the provider's audiences it asks for).
 */
export async function askUntilAllowed(
  world: StsWorld,
  roleArn: string,
  attempts: Iterable<Attempt>,
  now = SYNTHETIC_NOW,
): Promise<{ attempt: Attempt; decision: WebIdentityDecision } | undefined> {
  let first: { attempt: Attempt; decision: WebIdentityDecision } | undefined;
  for (const attempt of attempts) {
    const decision = await decideWebIdentity(
      {
        roleArn,
        roleSessionName: attempt.sessionName,
        webIdentityToken: "",
        now,
        unsignedClaims: attempt.claims,
        ...(attempt.sourceIp === undefined ? {} : { sourceIp: attempt.sourceIp }),
      },
      world,
    );
    if (decision.ok) return { attempt, decision };
    first ??= { attempt, decision };
  }
  return first;
}

/** A default audience for a workspace issuer when nothing better is known. */
export function fallbackAudience(providerUrl: string): string {
  return `ari:cloud:bitbucket::workspace/${syntheticUuid(`aud:${providerUrl}`).slice(1, -1)}`;
}
