import type { Agent } from "node:http";
import { BbOidcError } from "../errors.js";
import { DEFAULT_EXP_GRACE_SECONDS, decodeToken } from "../oidc/decode.js";
import { SESSION_LIMITS } from "./limits.js";
import { assumeRoleWithWebIdentity, type WebIdentityInput } from "./query-client.js";
import {
  DEFAULT_RETRY,
  type FailureFacts,
  type RetryClock,
  type RetryPolicy,
  withRetry,
} from "./retry.js";
import type { SdkStsOptions } from "./sdk-calls.js";
import { resolveStsEndpointUrl } from "./sts-endpoint.js";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** One AssumeRole after the first session; what is unset takes the request's value. */
export interface ChainLink {
  roleArn: string;
  externalId?: string;
  sessionName?: string;
  durationSeconds?: number;
  policy?: string;
  policyArns?: string[];
}

/** Credentials the chain starts from instead of a token (configure-aws-credentials' role chaining). */
export interface SourceCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ExchangeRequest {
  roleArn: string;
  /** The step's OIDC token; the first hop is AssumeRoleWithWebIdentity. Excludes `source`. */
  token?: string;
  /** Start from these credentials: the first hop is AssumeRole, signed with them. */
  source?: SourceCredentials;
  sessionName: string;
  durationSeconds?: number;
  region: string;
  endpoint?: string;
  policy?: string;
  policyArns?: string[];
  externalId?: string;
  chain?: ChainLink[];
  allowedAccountIds?: string[];
  retry?: RetryPolicy;
  /** The whole exchange, every hop, attempt and wait included, ends by then (ms from its start). */
  timeoutMs?: number;
  clock?: RetryClock;
  /**
   * Extra AWS SDK client settings for every STS client: the CLI's proxy route
   * (`requestHandler`). The core only passes them on.
   */
  clientOptions?: Record<string, unknown>;
  /**
   * Make AssumeRoleWithWebIdentity with bb-oidc's own client (query-client.ts) instead of the
   * AWS SDK, which then never loads unless a signed call follows. The SDK reads settings of its
   * own from the environment and shared config (FIPS, dual-stack, configured endpoints,
   * defaults mode, app ID): whoever passes this has resolved them (the CLI: sts-settings.ts).
   */
  builtInClient?: BuiltInClientOptions;
  /** Called for warnings and retries; the CLI prints them. Never given a secret. */
  onNotice?: (text: string) => void;
}

export interface BuiltInClientOptions {
  useFips?: boolean;
  useDualstack?: boolean;
  userAgent: string;
  /** The agent for the request (the CLI's proxy route); Node's default when it gives none. */
  agent?: () => Promise<Agent | undefined>;
}

export interface ExchangeResult {
  credentials: AwsCredentials;
  /** The ARN of the session finally holding the credentials. */
  assumedRoleArn: string;
  /** Each hop: the first session, then every chained role. */
  hops: { roleArn: string; assumedRoleArn: string; expiration: Date }[];
  account?: string;
}

/** An STS call failed for good; `stsCode` is AWS's error code, `attempts` how often we tried. */
export class StsCallError extends BbOidcError {
  readonly stsCode: string;
  /** AWS's own message, when STS answered. */
  readonly awsMessage?: string;
  readonly httpStatus?: number;
  readonly attempts: number;
  readonly step: string;
  constructor(step: string, facts: FailureFacts, attempts: number) {
    const code = facts.code ?? (facts.network ? "NetworkError" : "UnknownError");
    super("ERR_STS_REFUSED", `${step} failed: ${code}${facts.message ? `: ${facts.message}` : ""}`);
    this.stsCode = code;
    if (facts.message !== undefined) this.awsMessage = facts.message;
    if (facts.httpStatus !== undefined) this.httpStatus = facts.httpStatus;
    this.attempts = attempts;
    this.step = step;
  }
}

/** The exchange ran out of its overall time (`timeoutMs`) before STS answered. */
export class ExchangeTimeoutError extends BbOidcError {
  constructor(step: string, timeoutMs: number, attempts: number) {
    super(
      "ERR_EXCHANGE_TIMEOUT",
      `${step} had no answer within the exchange's ${timeoutMs / 1000} s (${attempts} attempt(s)); no credentials were output.`,
      {
        hint: "Check that the step reaches STS (a proxy? HTTPS_PROXY/NO_PROXY), or give it more time with --timeout.",
      },
    );
  }
}

/** The one-hour cap AWS puts on sessions obtained by role chaining. */
export const CHAIN_MAX_SECONDS = SESSION_LIMITS.chainedMaxSeconds;

const realClock: RetryClock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: Math.random,
};

/**
 * Exchanges a Bitbucket step token for AWS credentials (AssumeRoleWithWebIdentity), or starts
 * from given credentials (AssumeRole), then chains into each further role with AssumeRole, then
 * checks the account if asked. The AWS SDK does the calls with its own retries off: retrying here
 * follows what can succeed on retry, within one overall deadline.
 */
export async function exchangeCredentials(req: ExchangeRequest): Promise<ExchangeResult> {
  if ((req.token === undefined) === (req.source === undefined)) {
    throw new BbOidcError("ERR_USAGE", "exchangeCredentials needs a token or source credentials.");
  }
  const clock = req.clock ?? realClock;
  const policy = req.retry ?? DEFAULT_RETRY;
  const startMs = clock.nowMs();
  const overallDeadline = req.timeoutMs !== undefined ? startMs + req.timeoutMs : undefined;
  // An attempt in flight at the deadline is cut off, not waited for.
  const abort = new AbortController();
  const timer =
    req.timeoutMs !== undefined ? setTimeout(() => abort.abort(), req.timeoutMs) : undefined;
  timer?.unref?.();
  const exp = req.token !== undefined ? tokenExpiry(req.token) : undefined;
  // STS accepts a token up to five minutes past exp; retrying beyond that cannot succeed.
  const tokenDeadline = exp !== undefined ? (exp + DEFAULT_EXP_GRACE_SECONDS) * 1000 : undefined;

  /** One STS call with retries; every failure becomes StsCallError or ExchangeTimeoutError. */
  const call = async <T>(
    step: string,
    send: (signal: AbortSignal) => Promise<T>,
    deadlineMs: number | undefined,
  ): Promise<T> => {
    let attempts = 0;
    const deadlines = [deadlineMs, overallDeadline].filter((d) => d !== undefined);
    try {
      return await withRetry(
        async (attempt) => {
          attempts = attempt;
          return send(abort.signal);
        },
        failureFacts,
        {
          policy,
          clock,
          ...(deadlines.length ? { deadlineMs: Math.min(...deadlines) } : {}),
          onRetry: (e) =>
            req.onNotice?.(
              `${step} attempt ${e.attempt} failed (${describe(e.failure)}); retrying in ${(e.waitMs / 1000).toFixed(1)} s`,
            ),
        },
      );
    } catch (err) {
      const late = overallDeadline !== undefined && clock.nowMs() >= overallDeadline - 1;
      if (abort.signal.aborted || (late && failureFacts(err).network)) {
        throw new ExchangeTimeoutError(step, req.timeoutMs!, attempts);
      }
      throw new StsCallError(step, failureFacts(err), attempts);
    }
  };

  try {
    const first =
      req.token !== undefined
        ? await call(
            "AssumeRoleWithWebIdentity",
            webIdentitySender(req, {
              RoleArn: req.roleArn,
              RoleSessionName: req.sessionName,
              WebIdentityToken: req.token,
              ...sessionShape(req.durationSeconds, req.policy, req.policyArns),
            }),
            tokenDeadline,
          )
        : await call(
            `AssumeRole into ${req.roleArn}`,
            async (abortSignal) =>
              (await sdk()).sdkAssumeRole(
                sdkOptions(req, req.source),
                {
                  RoleArn: req.roleArn,
                  RoleSessionName: req.sessionName,
                  ...(req.externalId !== undefined ? { ExternalId: req.externalId } : {}),
                  ...sessionShape(req.durationSeconds, req.policy, req.policyArns),
                },
                abortSignal,
              ),
            undefined,
          );

    let credentials = toCredentials(first.Credentials);
    const hops: ExchangeResult["hops"] = [
      {
        roleArn: req.roleArn,
        assumedRoleArn: first.AssumedRoleUser?.Arn ?? "",
        expiration: credentials.expiration,
      },
    ];

    for (const link of req.chain ?? []) {
      let duration = link.durationSeconds ?? req.durationSeconds;
      if (
        link.durationSeconds === undefined &&
        duration !== undefined &&
        duration > CHAIN_MAX_SECONDS
      ) {
        req.onNotice?.(
          `a chained role session lasts at most 1 hour: asking ${link.roleArn} for ${CHAIN_MAX_SECONDS} s instead of ${duration} s`,
        );
        duration = CHAIN_MAX_SECONDS;
      }
      const from = credentials;
      const out = await call(
        `AssumeRole into ${link.roleArn}`,
        async (abortSignal) =>
          (await sdk()).sdkAssumeRole(
            sdkOptions(req, from),
            {
              RoleArn: link.roleArn,
              RoleSessionName: link.sessionName ?? req.sessionName,
              ...(link.externalId !== undefined ? { ExternalId: link.externalId } : {}),
              ...sessionShape(duration, link.policy, link.policyArns),
            },
            abortSignal,
          ),
        undefined,
      );
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
      const final = credentials;
      const who = await call(
        "GetCallerIdentity",
        async (abortSignal) =>
          (await sdk()).sdkGetCallerIdentity(sdkOptions(req, final), abortSignal),
        undefined,
      );
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
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** DurationSeconds, Policy and PolicyArns as STS takes them, each only when given. */
function sessionShape(
  durationSeconds: number | undefined,
  policy: string | undefined,
  policyArns: string[] | undefined,
) {
  return {
    ...(durationSeconds !== undefined ? { DurationSeconds: durationSeconds } : {}),
    ...(policy !== undefined ? { Policy: policy } : {}),
    ...(policyArns?.length ? { PolicyArns: policyArns.map((arn) => ({ arn })) } : {}),
  };
}

/** The AWS SDK's side (sdk-calls.ts), loaded on first use: signed calls only, in the CLI. */
const sdk = () => import("./sdk-calls.js");

function sdkOptions(
  req: ExchangeRequest,
  credentials: SourceCredentials | AwsCredentials | undefined,
): SdkStsOptions {
  return {
    region: req.region,
    ...(req.endpoint ? { endpoint: req.endpoint } : {}),
    ...(req.clientOptions ? { clientOptions: req.clientOptions } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** One AssumeRoleWithWebIdentity attempt: the built-in client when chosen, else the SDK. */
function webIdentitySender(req: ExchangeRequest, input: WebIdentityInput) {
  const builtIn = req.builtInClient;
  if (!builtIn) {
    return async (abortSignal: AbortSignal) =>
      (await sdk()).sdkAssumeRoleWithWebIdentity(sdkOptions(req, undefined), input, abortSignal);
  }
  // Resolved before any attempt: a refused combination (FIPS with a custom endpoint) is not retried.
  const url = resolveStsEndpointUrl({
    region: req.region,
    ...(req.endpoint ? { endpoint: req.endpoint } : {}),
    ...(builtIn.useFips !== undefined ? { useFips: builtIn.useFips } : {}),
    ...(builtIn.useDualstack !== undefined ? { useDualstack: builtIn.useDualstack } : {}),
  });
  return async (signal: AbortSignal) => {
    const agent = await builtIn.agent?.();
    return assumeRoleWithWebIdentity(input, {
      url,
      userAgent: builtIn.userAgent,
      signal,
      ...(agent ? { agent } : {}),
    });
  };
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

/**
 * What a failed call tells, for retry decisions and diagnosis: from the SDK's errors and the
 * built-in client's (which carry the same fields). An answer without an AWS error code (a
 * proxy's HTML page, an empty 5xx, a body that is not XML) reads alike from both: "Unknown"
 * ("NotFound" for a 404, the SDK's names), and a message naming the status and content type
 * instead of the SDK's parser text.
 */
export function failureFacts(err: unknown): FailureFacts {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string | string[] | undefined> };
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
  if (httpStatus !== undefined && e.Code === undefined) {
    // The SDK's parser failed on the body ("... Deserialization error: ..."), or it found no code.
    const unreadable = /Deserialization error/.test(e.message ?? "");
    if (unreadable || e.name === "Unknown" || e.name === "NotFound") {
      facts.code = httpStatus === 404 ? "NotFound" : "Unknown";
      if (unreadable || !e.message || e.message === "Unknown") {
        const type = e.$response?.headers?.["content-type"];
        const what = `HTTP ${httpStatus}${typeof type === "string" && type ? ` (${type})` : ""}`;
        facts.message =
          httpStatus >= 300
            ? `the answer was ${what} without an AWS error document`
            : `the answer was ${what} but not a readable STS response`;
      }
    }
  }
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
