import type { Command } from "commander";
import { InputError } from "../errors.js";
import { parseRoleArn } from "../shared/iam-names.js";
import {
  CHAIN_MAX_SECONDS,
  type ChainLink,
  type ExchangeResult,
  exchangeCredentials,
  type SourceCredentials,
  StsCallError,
} from "../sts/exchange.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../sts/retry.js";
import { debugLine } from "./debug.js";
import { collect, parseIntegerArg, readValueArg } from "./io.js";
import { networkRoute, sdkNetworkOptions } from "./network.js";
import {
  checkSessionName,
  defaultSessionName,
  resolveRegion,
  resolveStsEndpoint,
  resolveToken,
} from "./pipeline-env.js";
import { registerSecret } from "./redact.js";
import { stsRoute } from "./sts-settings.js";
import { decodeTokenArg, tokenSourceName } from "./token-arg.js";

export interface ExchangeFlags {
  roleArn: string;
  token?: string;
  fromEnvCredentials?: boolean;
  externalId?: string;
  sessionName?: string;
  duration?: string;
  region?: string;
  endpointUrl?: string;
  policy?: string;
  policyArn: string[];
  chain: string[];
  allowedAccountId: string[];
  trustPolicy?: string;
  maxAttempts?: string;
  retry: boolean;
  timeout: string;
  quiet?: boolean;
}

/** The whole exchange's default time limit, every hop, attempt and wait included. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

/** The options `credentials` and `exec` share. */
export function addExchangeOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--role-arn <arn>", "the role to assume with the step's token")
    .option("--token <jwt|@file|->", "the token (default: $BITBUCKET_STEP_OIDC_TOKEN)")
    .option(
      "--from-env-credentials",
      "no token: AssumeRole into --role-arn with the AWS credentials already in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)",
    )
    .option("--external-id <id>", "ExternalId for --role-arn (with --from-env-credentials)")
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
      "--chain <role-arn[,key=value...]>",
      "then AssumeRole into this role (repeatable, in order); keys: external-id, session-name, duration (≤ 3600), policy=@file, policy-arn (repeatable)",
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
    .option(
      "--max-attempts <n>",
      "attempts per STS call for errors a retry can fix (throttling, 5xx, network)",
      "5",
    )
    .option("--no-retry", "one attempt per STS call (same as --max-attempts 1)")
    .option(
      "--timeout <seconds>",
      "the whole exchange, every hop, attempt and wait, ends within this time",
      String(DEFAULT_TIMEOUT_SECONDS),
    )
    .option("--quiet", "no progress or warnings on stderr");
}

const CHAIN_FORM =
  "ROLE_ARN[,external-id=X][,session-name=N][,duration=SECONDS][,policy=@FILE][,policy-arn=ARN]";

/**
 * `--chain` values: a role ARN, then per-hop settings as key=value. A session policy comes from
 * a file (`policy=@FILE`): its JSON has commas of its own.
 */
export function parseChain(values: string[]): ChainLink[] {
  return values.map((v) => {
    const [arn, ...rest] = v.split(",");
    const link: ChainLink = { roleArn: arn!.trim() };
    if (!parseRoleArn(link.roleArn)) {
      throw new InputError(`--chain: "${link.roleArn}" is not a role ARN.`, {
        hint: `The form is ${CHAIN_FORM}.`,
      });
    }
    for (const kv of rest) {
      const m = /^\s*([a-z-]+)=(.*)$/.exec(kv);
      const value = m?.[2]?.trim() ?? "";
      if (!m || !value) {
        throw new InputError(`--chain: "${kv}" is not understood.`, {
          hint: `The form is ${CHAIN_FORM}.`,
        });
      }
      switch (m[1]) {
        case "external-id":
          link.externalId = value;
          break;
        case "session-name":
          link.sessionName = checkSessionName(value);
          break;
        case "duration": {
          const d = parseIntegerArg(value, "--chain duration");
          if (d < 900 || d > CHAIN_MAX_SECONDS) {
            throw new InputError(
              `--chain duration=${d}: a chained role session lasts 900–3600 seconds (AWS's limit for role chaining).`,
            );
          }
          link.durationSeconds = d;
          break;
        }
        case "policy":
          if (!value.startsWith("@")) {
            throw new InputError(
              "--chain policy: give the session policy as a file, policy=@FILE.",
              {
                hint: "Its JSON has commas, which separate --chain's settings.",
              },
            );
          }
          link.policy = readValueArg(value, "--chain policy");
          break;
        case "policy-arn":
          link.policyArns = [...(link.policyArns ?? []), value];
          if (link.policyArns.length > 10) {
            throw new InputError(
              "--chain policy-arn: STS takes at most 10 managed session policies.",
            );
          }
          break;
        default:
          throw new InputError(`--chain: "${m[1]}" is not a setting of a hop.`, {
            hint: `The form is ${CHAIN_FORM}.`,
          });
      }
    }
    return link;
  });
}

/** The static credentials `--from-env-credentials` starts from; secrets registered for redaction. */
function sourceCredentials(env: NodeJS.ProcessEnv): SourceCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId || !secretAccessKey) {
    throw new InputError(
      "--from-env-credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set in the environment.",
      {
        hint: "Set them (e.g. from secured repository variables), or drop --from-env-credentials to exchange the step's OIDC token.",
      },
    );
  }
  const sessionToken = env.AWS_SESSION_TOKEN?.trim();
  registerSecret(secretAccessKey);
  registerSecret(sessionToken);
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** --max-attempts, --no-retry and --timeout as the retry policy and overall limit. */
function retrySettings(flags: ExchangeFlags): { retry: RetryPolicy; timeoutMs: number } {
  const seconds = parseIntegerArg(flags.timeout, "--timeout");
  if (seconds < 1 || seconds > 3600) {
    throw new InputError(`--timeout: ${seconds} is outside 1–3600 seconds.`);
  }
  const attempts =
    flags.retry === false ? 1 : parseIntegerArg(flags.maxAttempts ?? "5", "--max-attempts");
  if (attempts < 1 || attempts > 20) {
    throw new InputError(`--max-attempts: ${attempts} is outside 1–20.`);
  }
  const timeoutMs = seconds * 1000;
  return { retry: { ...DEFAULT_RETRY, maxAttempts: attempts, maxTotalMs: timeoutMs }, timeoutMs };
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
  if (flags.fromEnvCredentials && flags.token !== undefined) {
    throw new InputError("give --token or --from-env-credentials, not both.");
  }
  if (flags.externalId !== undefined && !flags.fromEnvCredentials) {
    throw new InputError(
      "--external-id applies to AssumeRole (with --from-env-credentials); STS takes none with a web identity.",
      { hint: "For a chained role, write --chain ROLE_ARN,external-id=X." },
    );
  }
  const source = flags.fromEnvCredentials ? sourceCredentials(env) : undefined;
  const token = source
    ? undefined
    : resolveToken(
        flags.token !== undefined ? readValueArg(flags.token, "--token") : undefined,
        env,
      );
  if (token !== undefined) registerSecret(token);
  // Decoded once: a token that is not a JWT fails here, before any call; its claims explain a refusal.
  const claims =
    token !== undefined ? decodeTokenArg(token, tokenSourceName(flags.token)).claims : undefined;
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
  const { retry, timeoutMs } = retrySettings(flags);
  const route = token !== undefined ? stsRoute(env) : undefined;
  if (route && "sdk" in route) {
    debugLine(`AssumeRoleWithWebIdentity goes through the AWS SDK: ${route.sdk}`);
  }
  const notice = (t: string) => {
    if (!flags.quiet) process.stderr.write(`bb-oidc: ${t}\n`);
  };
  const calledAt = Math.floor(Date.now() / 1000);
  try {
    const result = await exchangeCredentials({
      roleArn: flags.roleArn,
      ...(token !== undefined ? { token } : {}),
      ...(source ? { source } : {}),
      ...(flags.externalId !== undefined ? { externalId: flags.externalId } : {}),
      retry,
      timeoutMs,
      clientOptions: {
        ...sdkNetworkOptions(env),
        customUserAgent: `bb-oidc/${__BB_OIDC_VERSION__}`,
      },
      ...(route && "builtIn" in route
        ? {
            builtInClient: {
              ...route.builtIn,
              agent: () => networkRoute(env).then((r) => r?.agent),
            },
          }
        : {}),
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
    if (err instanceof StsCallError && claims !== undefined) {
      // Loaded only on failure: the engine and IAM reader are not needed when STS says yes.
      const { explainStsFailure } = await import("./sts-failure.js");
      throw await explainStsFailure(err, {
        claims,
        roleArn: flags.roleArn,
        sessionName,
        ...(duration !== undefined ? { durationSeconds: duration } : {}),
        chain,
        calledAt,
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
