/**
 * Waiting survives a lost connection: a call made while following an operation that fails on the
 * network is tried again with growing pauses, for a bounded time. Past it the caller is told the
 * operation may still be running in AWS — it was started, and nothing here stopped it.
 */
import { BbOidcError } from "../../errors.js";
import type { Clock } from "./types.js";

export interface RetryPolicy {
  /** How long to keep trying after the first failure, in ms. Default 120 s. */
  budgetMs: number;
  /** First pause; each next one doubles, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  budgetMs: 120_000,
  firstDelayMs: 1000,
  maxDelayMs: 15_000,
};

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
]);

/** A failure to reach the service (as opposed to an answer from it). */
export function isNetworkError(err: unknown): boolean {
  const e = err as {
    code?: string;
    name?: string;
    message?: string;
    $metadata?: unknown;
    cause?: unknown;
  };
  if (!e || typeof e !== "object") return false;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (e.name === "TimeoutError" || e.name === "RequestTimeout") return true;
  if (/socket hang up|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/.test(e.message ?? "")) return true;
  // The SDK answers 5xx after its own retries: the service is there but unwell; wait on.
  const status = (e.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return e.cause !== undefined && e.cause !== err && isNetworkError(e.cause);
}

export interface Waiting {
  /** What is being waited for, for the message: `stack bb-oidc`. */
  what: string;
  /** The command that shows it later: `bb-oidc status --stack-name bb-oidc`. */
  statusCommand: string;
}

export class LostContact extends BbOidcError {
  constructor(waiting: Waiting, cause: unknown, seconds: number) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      "ERR_LOST_CONTACT",
      `lost contact with CloudFormation for ${seconds} s while waiting for ${waiting.what} (${detail}); the stack may still be changing — \`${waiting.statusCommand}\``,
      {
        hint: `The operation was started in AWS and goes on without bb-oidc. Check it with \`${waiting.statusCommand}\` before deploying again.`,
        cause,
      },
    );
  }
}

/** Runs `call`, retrying network failures within the policy's time budget. */
export async function withRetry<T>(
  call: () => Promise<T>,
  waiting: Waiting,
  clock: Clock,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (err: unknown, delayMs: number) => void,
): Promise<T> {
  let spent = 0;
  let delay = policy.firstDelayMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isNetworkError(err)) throw err;
      if (spent >= policy.budgetMs) throw new LostContact(waiting, err, Math.round(spent / 1000));
      const pause = Math.min(delay, policy.maxDelayMs, Math.max(1, policy.budgetMs - spent));
      onRetry?.(err, pause);
      await clock.sleep(pause);
      spent += pause;
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
