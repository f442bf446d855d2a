import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { BbOidcError } from "../errors.js";
import { decodeToken } from "../oidc/decode.js";
import { DEFAULT_EXP_GRACE_SECONDS } from "../oidc/verify.js";
import {
  DEFAULT_RETRY,
  type FailureFacts,
  type RetryClock,
  type RetryPolicy,
  withRetry,
} from "./retry.js";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface ChainLink {
  roleArn: string;
  externalId?: string;
}

export interface ExchangeRequest {
  roleArn: string;
  token: string;
  sessionName: string;
  durationSeconds?: number;
  region: string;
  endpoint?: string;
  policy?: string;
  policyArns?: string[];
  chain?: ChainLink[];
  allowedAccountIds?: string[];
  retry?: RetryPolicy;
  clock?: RetryClock;
  /** Called for warnings and retries; the CLI prints them. Never given a secret. */
  onNotice?: (text: string) => void;
}

export interface ExchangeResult {
  credentials: AwsCredentials;
  /** The ARN of the session finally holding the credentials. */
  assumedRoleArn: string;
  /** Each hop: the web-identity session first, then every chained role. */
  hops: { roleArn: string; assumedRoleArn: string; expiration: Date }[];
  account?: string;
}

/** An STS call failed for good; `stsCode` is AWS's error code, `attempts` how often we tried. */
export class StsCallError extends BbOidcError {
  readonly stsCode: string;
  readonly httpStatus?: number;
  readonly attempts: number;
  readonly step: string;
  constructor(step: string, facts: FailureFacts, attempts: number) {
    const code = facts.code ?? (facts.network ? "NetworkError" : "UnknownError");
    super("ERR_STS_REFUSED", `${step} failed: ${code}${facts.message ? `: ${facts.message}` : ""}`);
    this.stsCode = code;
    if (facts.httpStatus !== undefined) this.httpStatus = facts.httpStatus;
    this.attempts = attempts;
    this.step = step;
  }
}

/** The one-hour cap AWS puts on sessions obtained by role chaining. */
export const CHAIN_MAX_SECONDS = 3600;

const realClock: RetryClock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: Math.random,
};

/**
 * Exchanges a Bitbucket step token for AWS credentials (AssumeRoleWithWebIdentity), then chains
 * into each further role with AssumeRole, then checks the account if asked. The AWS SDK does
 * the calls with its own retries off: retrying here follows what can succeed on retry.
 */
export async function exchangeCredentials(req: ExchangeRequest): Promise<ExchangeResult> {
  const clock = req.clock ?? realClock;
  const policy = req.retry ?? DEFAULT_RETRY;
  const exp = tokenExpiry(req.token);
  // STS accepts a token up to five minutes past exp; retrying beyond that cannot succeed.
  const deadlineMs = exp !== undefined ? (exp + DEFAULT_EXP_GRACE_SECONDS) * 1000 : undefined;

  const client = stsClient(req, undefined);
  let attempts = 0;
  const first = await withRetry(
    async (attempt) => {
      attempts = attempt;
      return client.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: req.roleArn,
          RoleSessionName: req.sessionName,
          WebIdentityToken: req.token,
          ...(req.durationSeconds !== undefined ? { DurationSeconds: req.durationSeconds } : {}),
          ...(req.policy !== undefined ? { Policy: req.policy } : {}),
          ...(req.policyArns?.length ? { PolicyArns: req.policyArns.map((arn) => ({ arn })) } : {}),
        }),
      );
    },
    failureFacts,
    {
      policy,
      clock,
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
      onRetry: (e) =>
        req.onNotice?.(
          `AssumeRoleWithWebIdentity attempt ${e.attempt} failed (${describe(e.failure)}); retrying in ${(e.waitMs / 1000).toFixed(1)} s`,
        ),
    },
  ).catch((err) => {
    throw new StsCallError("AssumeRoleWithWebIdentity", failureFacts(err), attempts);
  });

  let credentials = toCredentials(first.Credentials);
  const hops: ExchangeResult["hops"] = [
    {
      roleArn: req.roleArn,
      assumedRoleArn: first.AssumedRoleUser?.Arn ?? "",
      expiration: credentials.expiration,
    },
  ];

  for (const link of req.chain ?? []) {
    let duration = req.durationSeconds;
    if (duration !== undefined && duration > CHAIN_MAX_SECONDS) {
      req.onNotice?.(
        `a chained role session lasts at most 1 hour: asking ${link.roleArn} for ${CHAIN_MAX_SECONDS} s instead of ${duration} s`,
      );
      duration = CHAIN_MAX_SECONDS;
    }
    const chained = stsClient(req, credentials);
    let chainAttempts = 0;
    const out = await withRetry(
      async (attempt) => {
        chainAttempts = attempt;
        return chained.send(
          new AssumeRoleCommand({
            RoleArn: link.roleArn,
            RoleSessionName: req.sessionName,
            ...(duration !== undefined ? { DurationSeconds: duration } : {}),
            ...(link.externalId !== undefined ? { ExternalId: link.externalId } : {}),
          }),
        );
      },
      failureFacts,
      { policy, clock },
    ).catch((err) => {
      throw new StsCallError(`AssumeRole into ${link.roleArn}`, failureFacts(err), chainAttempts);
    });
    credentials = toCredentials(out.Credentials);
    hops.push({
      roleArn: link.roleArn,
      assumedRoleArn: out.AssumedRoleUser?.Arn ?? "",
      expiration: credentials.expiration,
    });
  }

  const result: ExchangeResult = {
    credentials,
    assumedRoleArn: hops[hops.length - 1]!.assumedRoleArn,
    hops,
  };
  if (req.allowedAccountIds?.length) {
    const who = await stsClient(req, credentials)
      .send(new GetCallerIdentityCommand({}))
      .catch((err) => {
        throw new StsCallError("GetCallerIdentity", failureFacts(err), 1);
      });
    result.account = who.Account ?? "";
    if (!req.allowedAccountIds.includes(result.account)) {
      throw new BbOidcError(
        "ERR_ACCOUNT_NOT_ALLOWED",
        `The credentials belong to account ${result.account}, which is not among the allowed accounts (${req.allowedAccountIds.join(", ")}). No credentials were output.`,
        {
          expected: req.allowedAccountIds,
          actual: result.account,
          hint: "Check --role-arn/--chain point at the account you meant, or add it with --allowed-account-id.",
        },
      );
    }
  }
  return result;
}

function stsClient(req: ExchangeRequest, credentials: AwsCredentials | undefined): STSClient {
  return new STSClient({
    region: req.region,
    ...(req.endpoint ? { endpoint: req.endpoint } : {}),
    maxAttempts: 1,
    ...(credentials
      ? {
          credentials: {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            sessionToken: credentials.sessionToken,
          },
        }
      : {
          // AssumeRoleWithWebIdentity is unsigned; never let the SDK go looking for credentials.
          credentials: { accessKeyId: "unused", secretAccessKey: "unused" },
        }),
  });
}

function toCredentials(
  c:
    | { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date }
    | undefined,
): AwsCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new BbOidcError("ERR_STS_RESPONSE", "STS answered without credentials.");
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration ?? new Date(Date.now() + 3600_000),
  };
}

/** What an SDK error tells about the failure, for retry decisions and diagnosis. */
export function failureFacts(err: unknown): FailureFacts {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    Code?: string;
  };
  const httpStatus = e?.$metadata?.httpStatusCode;
  const sysCode = typeof e?.code === "string" ? e.code : undefined;
  const network =
    httpStatus === undefined &&
    (Boolean(sysCode && /^E[A-Z]+/.test(sysCode)) ||
      e?.name === "TimeoutError" ||
      e?.name === "AbortError");
  const facts: FailureFacts = { network };
  if (!network) facts.code = e?.Code ?? e?.name ?? "UnknownError";
  if (httpStatus !== undefined) facts.httpStatus = httpStatus;
  if (e?.message) facts.message = e.message;
  if (network) facts.message = `${sysCode ?? e?.name}: ${e?.message ?? ""}`.trim();
  return facts;
}

function describe(f: FailureFacts): string {
  if (f.network) return `network: ${f.message ?? "no answer"}`;
  return `${f.code}${f.httpStatus ? ` HTTP ${f.httpStatus}` : ""}`;
}

function tokenExpiry(token: string): number | undefined {
  try {
    const exp = decodeToken(token).claims.exp;
    return typeof exp === "number" ? exp : undefined;
  } catch {
    return undefined;
  }
}
