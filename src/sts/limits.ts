/** STS's session limits (service model; docs/aws-behaviour.md "STS AssumeRole"). */
export const SESSION_LIMITS = {
  minDurationSeconds: 900,
  maxDurationSeconds: 43200,
  defaultDurationSeconds: 3600,
  /** A session assumed with session credentials (role chaining) lasts at most one hour. */
  chainedMaxSeconds: 3600,
  maxPolicyArns: 10,
  policyMaxLength: 2048,
  /** Packed session policies and tags may use at most this many bytes [U]. */
  packedBytes: 2048,
} as const;
