import { stsRefusalKind } from "./sts-errors.js";

/**
 * Which STS failures can succeed on a retry, and the backoff between attempts. Retrying an
 * AccessDenied twelve times (a complaint about configure-aws-credentials) only delays the fix.
 */
const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);

export interface FailureFacts {
  code?: string;
  message?: string;
  httpStatus?: number;
  /** True for connection refused/reset, timeouts, DNS failures: no HTTP answer at all. */
  network?: boolean;
}

export function isRetryable(f: FailureFacts): boolean {
  if (f.network) return true;
  if (f.code && THROTTLING.has(f.code)) return true;
  // STS could not reach the issuer (IDPCommunicationError, or InvalidIdentityToken with its
  // "Couldn't retrieve verification key" text): read in the one place that knows STS's texts.
  if (f.code && stsRefusalKind(f.code, f.message ?? "") === "keyUnavailable") return true;
  return f.httpStatus !== undefined && f.httpStatus >= 500;
}

export interface RetryPolicy {
  maxAttempts: number;
  /** Total time budget across attempts and waits. */
  maxTotalMs: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  maxTotalMs: 60_000,
  baseMs: 500,
  capMs: 10_000,
};

/** Full jitter: a uniform wait in [0, min(cap, base · 2^attempt)). */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  return Math.floor(random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt));
}

export interface RetryClock {
  nowMs: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export interface RetryEvent {
  attempt: number;
  waitMs: number;
  failure: FailureFacts;
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, runs out of attempts or time,
 * or the next attempt would start after `deadlineMs` (the token's expiry).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  facts: (err: unknown) => FailureFacts,
  opts: {
    policy: RetryPolicy;
    clock: RetryClock;
    deadlineMs?: number;
    onRetry?: (e: RetryEvent) => void;
  },
): Promise<T> {
  const { policy, clock } = opts;
  const start = clock.nowMs();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const f = facts(err);
      if (!isRetryable(f) || attempt >= policy.maxAttempts) throw err;
      const waitMs = backoffMs(policy, attempt, clock.random);
      const resumeAt = clock.nowMs() + waitMs;
      if (resumeAt - start > policy.maxTotalMs) throw err;
      if (opts.deadlineMs !== undefined && resumeAt >= opts.deadlineMs) throw err;
      opts.onRetry?.({ attempt, waitMs, failure: f });
      await clock.sleep(waitMs);
    }
  }
}
