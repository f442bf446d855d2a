import { BbOidcError } from "../errors.js";
import { parseRoleArn } from "../shared/iam-names.js";
import { type DiagnoseInput, type Diagnosis, diagnose, type TrustSource } from "../sts/diagnose.js";
import type { ChainLink, StsCallError } from "../sts/exchange.js";
import { readTextFile } from "./io.js";

interface Ctx {
  /** The token's claims, decoded once before the call (never the token). */
  claims: Record<string, unknown>;
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  chain: ChainLink[];
  /** When the call was made (epoch seconds). */
  calledAt: number;
  region: string;
  endpoint: string | undefined;
  trustPolicyFile: string | undefined;
  env: NodeJS.ProcessEnv;
  onLookupFailed?: (why: string) => void;
}

/**
 * Turns a failed STS call into an error a person can act on. The facts are gathered here (the
 * trust policy from --trust-policy or iam:GetRole, the provider from
 * iam:GetOpenIDConnectProvider, with whatever read credentials the environment has); the
 * diagnosis, which re-decides the call on them, is src/sts/diagnose.ts.
 */
export async function explainStsFailure(err: StsCallError, ctx: Ctx): Promise<BbOidcError> {
  const input: DiagnoseInput = {
    error: err,
    roleArn: ctx.roleArn,
    claims: ctx.claims,
    request: {
      sessionName: ctx.sessionName,
      now: ctx.calledAt,
      ...(ctx.durationSeconds !== undefined ? { durationSeconds: ctx.durationSeconds } : {}),
    },
    ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}),
  };
  if (err.stsCode === "AccessDenied") {
    const hopIndex = ctx.chain.findIndex((l) => err.step === `AssumeRole into ${l.roleArn}`);
    if (hopIndex >= 0) {
      const link = ctx.chain[hopIndex]!;
      const previous = hopIndex === 0 ? ctx.roleArn : ctx.chain[hopIndex - 1]!.roleArn;
      const previousSession =
        hopIndex === 0
          ? ctx.sessionName
          : (ctx.chain[hopIndex - 1]!.sessionName ?? ctx.sessionName);
      input.hop = {
        roleArn: link.roleArn,
        callerArn: previous,
        sessionName: link.sessionName ?? ctx.sessionName,
        ...(link.externalId !== undefined ? { externalId: link.externalId } : {}),
      };
      // The caller is a session of the previous role, under that hop's session name.
      input.hop.callerArn = sessionArnOf(previous, previousSession);
      const trust = await liveTrust(link.roleArn, ctx);
      if (trust) input.trust = trust;
    } else if (err.step === "AssumeRoleWithWebIdentity") {
      const trust = await findTrustPolicy(ctx);
      if (trust) input.trust = trust;
    }
  }
  if (
    err.step === "AssumeRoleWithWebIdentity" &&
    (err.stsCode === "AccessDenied" || err.stsCode === "InvalidIdentityToken")
  ) {
    const provider = await liveProvider(ctx);
    if (provider) input.provider = provider;
  }
  return new BbOidcError(err.code, formatDiagnosis(err, await diagnose(input)));
}

export function formatDiagnosis(err: StsCallError, d: Diagnosis): string {
  const lines = [err.message, "", `cause: ${d.cause}`];
  for (const f of d.fix) lines.push(`fix:   ${f}`);
  if (d.facts.length) {
    lines.push("", "what the step presented:");
    const w = Math.max(...d.facts.map(([k]) => k.length));
    for (const [k, v] of d.facts) lines.push(`  ${k.padEnd(w)}  ${v}`);
  }
  return lines.join("\n");
}

/** `arn:…:sts::<acct>:assumed-role/<name>/<session>` of a role ARN. */
function sessionArnOf(roleArn: string, session: string): string {
  const r = parseRoleArn(roleArn);
  return r ? `arn:${r.partition}:sts::${r.account}:assumed-role/${r.name}/${session}` : roleArn;
}

async function findTrustPolicy(ctx: Ctx): Promise<TrustSource | undefined> {
  if (ctx.trustPolicyFile) {
    return {
      // The text itself: the policy compiler refuses what IAM refuses in it (a repeated key).
      policy: readTextFile(ctx.trustPolicyFile, "--trust-policy"),
      source: ctx.trustPolicyFile,
    };
  }
  return liveTrust(ctx.roleArn, ctx);
}

/**
 * Only asks IAM when read credentials are plainly configured: probing instance metadata would
 * stall a pipeline step for seconds.
 */
function canReadIam(ctx: Ctx): boolean {
  return Boolean(ctx.env.AWS_ACCESS_KEY_ID || ctx.env.AWS_PROFILE);
}

async function iam(ctx: Ctx) {
  const { iamClient } = await import("./iam-read.js");
  return iamClient(ctx.region, ctx.env.AWS_ENDPOINT_URL_IAM || ctx.env.AWS_ENDPOINT_URL);
}

async function liveTrust(roleArn: string, ctx: Ctx): Promise<TrustSource | undefined> {
  if (!canReadIam(ctx)) return undefined;
  const name = parseRoleArn(roleArn)?.name;
  if (!name) return undefined;
  try {
    const { readRole } = await import("./iam-read.js");
    const role = await readRole(await iam(ctx), name, 3000);
    if (!role) return undefined;
    return {
      policy: role.trustPolicy,
      maxSessionDuration: role.maxSessionDuration,
      source: `the live trust policy of ${roleArn} (iam:GetRole)`,
    };
  } catch (err) {
    ctx.onLookupFailed?.(
      `iam:GetRole could not be read: ${(err as Error).name}: ${(err as Error).message}`,
    );
    return undefined;
  }
}

async function liveProvider(ctx: Ctx): Promise<{ clientIds: string[] } | undefined> {
  const iss = typeof ctx.claims.iss === "string" ? ctx.claims.iss : undefined;
  const role = parseRoleArn(ctx.roleArn);
  if (!canReadIam(ctx) || !iss?.startsWith("https://") || !role) return undefined;
  const arn = `arn:${role.partition}:iam::${role.account}:oidc-provider/${iss.slice(8)}`;
  try {
    const { readProvider } = await import("./iam-read.js");
    const p = await readProvider(await iam(ctx), arn);
    return p && { clientIds: p.clientIds };
  } catch (err) {
    ctx.onLookupFailed?.(
      `iam:GetOpenIDConnectProvider could not be read: ${(err as Error).name}: ${(err as Error).message}`,
    );
    return undefined;
  }
}
