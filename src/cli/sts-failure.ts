import { BbOidcError } from "../errors.js";
import { decodeToken } from "../oidc/index.js";
import { parseRoleArn } from "../shared/iam-names.js";
import { type Diagnosis, diagnose } from "../sts/diagnose.js";
import type { StsCallError } from "../sts/exchange.js";
import { decideWebIdentity, staticWorld } from "../sts/index.js";
import type { WebIdentityDecision } from "../sts/types.js";
import { parseJsonText, readTextFile } from "./io.js";

interface Ctx {
  token: string;
  roleArn: string;
  region: string;
  endpoint: string | undefined;
  trustPolicyFile: string | undefined;
  env: NodeJS.ProcessEnv;
  onLookupFailed?: (why: string) => void;
}

/**
 * Turns a failed STS call into an error a person can act on. On AccessDenied the engine runs
 * against the role's trust policy when one is reachable (a file, or IAM GetRole with whatever
 * read credentials the environment has) to name the failing condition.
 */
export async function explainStsFailure(err: StsCallError, ctx: Ctx): Promise<BbOidcError> {
  let claims: Record<string, unknown> = {};
  try {
    claims = decodeToken(ctx.token).claims as Record<string, unknown>;
  } catch {
    // the token was checked before the call; nothing to add
  }
  const now = Math.floor(Date.now() / 1000);
  let engine: WebIdentityDecision | undefined;
  let engineSource: string | undefined;
  if (err.stsCode === "AccessDenied" && err.step === "AssumeRoleWithWebIdentity") {
    const found = await findTrustPolicy(ctx);
    if (found) {
      engineSource = found.source;
      engine = await judge(found.policy, claims, ctx.roleArn, now).catch((e: Error) => {
        ctx.onLookupFailed?.(
          `the trust policy from ${found.source} could not be evaluated: ${e.message}`,
        );
        return undefined;
      });
    }
  }
  const d = diagnose({
    error: err,
    roleArn: ctx.roleArn,
    claims,
    ...(engine ? { engine } : {}),
    ...(engineSource ? { engineSource } : {}),
    ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}),
    nowSeconds: now,
  });
  return new BbOidcError(err.code, formatDiagnosis(err, d));
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

async function judge(
  policy: unknown,
  claims: Record<string, unknown>,
  roleArn: string,
  now: number,
) {
  const iss = typeof claims.iss === "string" ? claims.iss : "https://unknown";
  const account = parseRoleArn(roleArn)?.account ?? "000000000000";
  const aud = Array.isArray(claims.aud)
    ? claims.aud.map(String)
    : claims.aud
      ? [String(claims.aud)]
      : [];
  const world = staticWorld({
    providers: [{ account, url: iss, clientIds: aud }],
    roles: [{ arn: roleArn, trustPolicy: policy, maxSessionDuration: 43200 }],
    keys: { getKey: async () => Promise.reject(new Error("unsigned")) },
  });
  // The signature was checked by STS itself; here only the trust policy matters.
  return decideWebIdentity(
    {
      roleArn,
      roleSessionName: "bb-oidc-diagnose",
      webIdentityToken: "",
      now,
      unsignedClaims: { ...claims, exp: now + 60 },
    },
    world,
  );
}

async function findTrustPolicy(ctx: Ctx): Promise<{ policy: unknown; source: string } | undefined> {
  if (ctx.trustPolicyFile) {
    return {
      policy: parseJsonText(
        readTextFile(ctx.trustPolicyFile, "--trust-policy"),
        ctx.trustPolicyFile,
      ),
      source: ctx.trustPolicyFile,
    };
  }
  // Only try IAM when read credentials are plainly configured: probing instance metadata would
  // stall a pipeline step for seconds.
  if (!ctx.env.AWS_ACCESS_KEY_ID && !ctx.env.AWS_PROFILE) return undefined;
  try {
    const { iamClient, readRole } = await import("./iam-read.js");
    const iamEndpoint = ctx.env.AWS_ENDPOINT_URL_IAM || ctx.env.AWS_ENDPOINT_URL;
    const name = ctx.roleArn.slice(ctx.roleArn.lastIndexOf("/") + 1);
    const role = await readRole(iamClient(ctx.region, iamEndpoint), name, 3000);
    if (!role) return undefined;
    return {
      policy: role.trustPolicy,
      source: `the live trust policy of ${ctx.roleArn} (iam:GetRole)`,
    };
  } catch (err) {
    ctx.onLookupFailed?.(
      `iam:GetRole could not be read: ${(err as Error).name}: ${(err as Error).message}`,
    );
    return undefined;
  }
}
