import type { Command } from "commander";
import { InputError } from "../errors.js";
import { decodeToken } from "../oidc/decode.js";
import { parseRoleArn } from "../shared/iam-names.js";
import {
  type ChainLink,
  type ExchangeResult,
  exchangeCredentials,
  StsCallError,
} from "../sts/exchange.js";
import { collect, parseIntegerArg, readValueArg } from "./io.js";
import {
  checkSessionName,
  defaultSessionName,
  resolveRegion,
  resolveStsEndpoint,
  resolveToken,
} from "./pipeline-env.js";
import { registerSecret } from "./redact.js";

export interface ExchangeFlags {
  roleArn: string;
  token?: string;
  sessionName?: string;
  duration?: string;
  region?: string;
  endpointUrl?: string;
  policy?: string;
  policyArn: string[];
  chain: string[];
  allowedAccountId: string[];
  trustPolicy?: string;
  quiet?: boolean;
}

/** The options `credentials` and `exec` share. */
export function addExchangeOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--role-arn <arn>", "the role to assume with the step's token")
    .option("--token <jwt|@file|->", "the token (default: $BITBUCKET_STEP_OIDC_TOKEN)")
    .option("--session-name <name>", "RoleSessionName (default: bb-<repo>-<build>-<step>)")
    .option(
      "--duration <seconds>",
      "session duration, 900–43200 (default: the role's default, 3600)",
    )
    .option("--region <region>", "STS region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)")
    .option(
      "--endpoint-url <url>",
      "STS endpoint (default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)",
    )
    .option("--policy <json|@file>", "a session policy narrowing the role's permissions")
    .option("--policy-arn <arn>", "a managed session policy (repeatable, ≤ 10)", collect, [])
    .option(
      "--chain <role-arn[,external-id=X]>",
      "then AssumeRole into this role (repeatable, in order)",
      collect,
      [],
    )
    .option(
      "--allowed-account-id <id>",
      "refuse credentials of any other account (repeatable)",
      collect,
      [],
    )
    .option(
      "--trust-policy <file>",
      "on AccessDenied, check the token against this trust policy to name the failing condition",
    )
    .option("--quiet", "no progress or warnings on stderr");
}

export function parseChain(values: string[]): ChainLink[] {
  return values.map((v) => {
    const [arn, ...rest] = v.split(",");
    const link: ChainLink = { roleArn: arn!.trim() };
    for (const kv of rest) {
      const m = /^\s*external-id=(.+)$/.exec(kv);
      if (!m)
        throw new InputError(
          `--chain: "${kv}" is not understood; the form is ROLE_ARN[,external-id=X].`,
        );
      link.externalId = m[1]!;
    }
    if (!parseRoleArn(link.roleArn)) {
      throw new InputError(`--chain: "${link.roleArn}" is not a role ARN.`);
    }
    return link;
  });
}

export interface ExchangeOutcome extends ExchangeResult {
  region: string;
}

/** Validates every flag before any call, exchanges, and on failure explains (then throws). */
export async function runExchange(
  flags: ExchangeFlags,
  env: NodeJS.ProcessEnv,
): Promise<ExchangeOutcome> {
  if (!parseRoleArn(flags.roleArn)) {
    throw new InputError(`--role-arn: "${flags.roleArn}" is not a role ARN.`, {
      hint: "Use arn:aws:iam::<12-digit account>:role/<name>.",
    });
  }
  const token = resolveToken(
    flags.token !== undefined ? readValueArg(flags.token, "--token") : undefined,
    env,
  );
  registerSecret(token);
  decodeToken(token); // a token that is not a JWT fails here, before any call
  const sessionName = checkSessionName(flags.sessionName ?? defaultSessionName(env, Date.now()));
  const region = resolveRegion(flags.region, env);
  const endpoint = resolveStsEndpoint(flags.endpointUrl, env);
  const duration =
    flags.duration !== undefined ? parseIntegerArg(flags.duration, "--duration") : undefined;
  if (duration !== undefined && (duration < 900 || duration > 43200)) {
    throw new InputError(`--duration: ${duration} is outside STS's 900–43200 seconds.`);
  }
  if (flags.policyArn.length > 10)
    throw new InputError("--policy-arn: STS takes at most 10 managed session policies.");
  const policy = flags.policy !== undefined ? readValueArg(flags.policy, "--policy") : undefined;
  const chain = parseChain(flags.chain);
  for (const id of flags.allowedAccountId) {
    if (!/^\d{12}$/.test(id))
      throw new InputError(`--allowed-account-id: "${id}" is not a 12-digit account ID.`);
  }
  const notice = (t: string) => {
    if (!flags.quiet) process.stderr.write(`bb-oidc: ${t}\n`);
  };
  try {
    const result = await exchangeCredentials({
      roleArn: flags.roleArn,
      token,
      sessionName,
      region,
      ...(endpoint ? { endpoint } : {}),
      ...(duration !== undefined ? { durationSeconds: duration } : {}),
      ...(policy !== undefined ? { policy } : {}),
      ...(flags.policyArn.length ? { policyArns: flags.policyArn } : {}),
      chain,
      allowedAccountIds: flags.allowedAccountId,
      onNotice: notice,
    });
    registerSecret(result.credentials.secretAccessKey);
    registerSecret(result.credentials.sessionToken);
    return { ...result, region };
  } catch (err) {
    if (err instanceof StsCallError) {
      // Loaded only on failure: the engine and IAM reader are not needed when STS says yes.
      const { explainStsFailure } = await import("./sts-failure.js");
      throw await explainStsFailure(err, {
        token,
        roleArn: flags.roleArn,
        region,
        endpoint,
        trustPolicyFile: flags.trustPolicy,
        env,
        onLookupFailed: notice,
      });
    }
    throw err;
  }
}
