import { describe, expect, it } from "vitest";
import { backoffMs, isRetryable, type RetryClock, withRetry } from "../../src/sts/retry.js";

function fakeClock(random = () => 0.5): RetryClock & { waits: number[]; t: number } {
  const c = {
    t: 0,
    waits: [] as number[],
    nowMs: () => c.t,
    sleep: async (ms: number) => {
      c.waits.push(ms);
      c.t += ms;
    },
    random,
  };
  return c;
}

const policy = { maxAttempts: 5, maxTotalMs: 60_000, baseMs: 500, capMs: 10_000 };
const fail = (facts: object) => Object.assign(new Error("x"), { facts });
const factsOf = (e: unknown) => (e as { facts: object }).facts;

describe("what is worth retrying", () => {
  it("retries throttling, 5xx, network errors and key-fetch failures", () => {
    expect(isRetryable({ code: "Throttling", httpStatus: 400 })).toBe(true);
    expect(isRetryable({ code: "InternalFailure", httpStatus: 500 })).toBe(true);
    expect(isRetryable({ network: true })).toBe(true);
    expect(isRetryable({ code: "IDPCommunicationError", httpStatus: 400 })).toBe(true);
    expect(
      isRetryable({
        code: "InvalidIdentityToken",
        httpStatus: 400,
        message:
          "Couldn't retrieve verification key from your identity provider,  please reference …",
      }),
    ).toBe(true);
    // The same refusal as AWS sent it in 2019, lower-case (aws/aws-sdk-php#1725).
    expect(
      isRetryable({
        code: "InvalidIdentityToken",
        httpStatus: 400,
        message:
          "couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      }),
    ).toBe(true);
  });

  it("fails at once on what a retry cannot fix", () => {
    expect(isRetryable({ code: "AccessDenied", httpStatus: 403 })).toBe(false);
    expect(
      isRetryable({
        code: "InvalidIdentityToken",
        httpStatus: 400,
        message: "Incorrect token audience",
      }),
    ).toBe(false);
    expect(isRetryable({ code: "ExpiredTokenException", httpStatus: 400 })).toBe(false);
    expect(isRetryable({ code: "ValidationError", httpStatus: 400 })).toBe(false);
  });
});

describe("withRetry", () => {
  it("uses full-jitter exponential backoff and stops after maxAttempts", async () => {
    const clock = fakeClock(() => 0.999);
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw fail({ code: "Throttling", httpStatus: 400 });
        },
        factsOf,
        { policy, clock },
      ),
    ).rejects.toThrow();
    expect(calls).toBe(5);
    expect(clock.waits).toEqual([999, 1998, 3996, 7992]);
    expect(backoffMs(policy, 10, () => 0.999)).toBeLessThan(policy.capMs);
  });

  it("never waits past the token's deadline", async () => {
    const clock = fakeClock(() => 0.999);
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw fail({ code: "InternalFailure", httpStatus: 500 });
        },
        factsOf,
        { policy, clock, deadlineMs: 2500 },
      ),
    ).rejects.toThrow();
    // waits 999 then 1998 would end at 2997 > 2500: only two attempts.
    expect(calls).toBe(2);
  });

  it("returns at once on a non-retryable failure", async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw fail({ code: "AccessDenied", httpStatus: 403 });
        },
        factsOf,
        { policy, clock },
      ),
    ).rejects.toThrow();
    expect(calls).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it("succeeds after transient failures", async () => {
    const clock = fakeClock();
    let calls = 0;
    const out = await withRetry(
      async () => {
        if (++calls < 3) throw fail({ network: true });
        return "ok";
      },
      factsOf,
      { policy, clock },
    );
    expect(out).toBe("ok");
    expect(calls).toBe(3);
  });
});
