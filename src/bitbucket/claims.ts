import { InputError, TokenError } from "../errors.js";
import { isBracedUuid, requireBracedUuid } from "./uuid.js";

/** The claims of a Bitbucket Pipelines OIDC token (UUIDs carry braces). */
export interface BitbucketClaims {
  iss: string;
  /** Bitbucket sends an array even with one audience; a string is accepted too. */
  aud: string[] | string;
  sub: string;
  iat: number;
  exp: number;
  workspaceUuid: string;
  repositoryUuid: string;
  pipelineUuid: string;
  stepUuid: string;
  /** Only in deployment steps. */
  deploymentEnvironmentUuid?: string;
  branchName?: string;
  /** Uncertain whether Bitbucket always sends it. */
  accountUuid?: string;
  [claim: string]: unknown;
}

export interface ParsedSub {
  repositoryUuid: string;
  /** Present for a deployment step: `{repo}:{env}:{step}`. */
  environmentUuid?: string;
  stepUuid: string;
}

/**
 * Splits `{repo}:{step}` or `{repo}:{env}:{step}`. Un-braced UUIDs are an `InputError` that says to
 * write braces; anything else that is not this shape is an `InputError` too.
 */
export function parseSub(sub: string): ParsedSub {
  if (typeof sub !== "string") {
    throw new InputError("sub must be a string", { actual: sub });
  }
  const parts = sub.split(":");
  if (parts.length !== 2 && parts.length !== 3) {
    throw new InputError(
      `sub ${JSON.stringify(sub)} is not {repository-uuid}:{step-uuid} or {repository-uuid}:{environment-uuid}:{step-uuid}`,
      { expected: "{repo}:{step} or {repo}:{env}:{step}", actual: sub },
    );
  }
  const repositoryUuid = requireBracedUuid(parts[0]!, "repository UUID in sub");
  if (parts.length === 2) {
    return { repositoryUuid, stepUuid: requireBracedUuid(parts[1]!, "step UUID in sub") };
  }
  return {
    repositoryUuid,
    environmentUuid: requireBracedUuid(parts[1]!, "environment UUID in sub"),
    stepUuid: requireBracedUuid(parts[2]!, "step UUID in sub"),
  };
}

/** Inverse of `parseSub`; every UUID must carry braces. */
export function formatSub(parts: ParsedSub): string {
  const repo = requireBracedUuid(parts.repositoryUuid, "repository UUID");
  const step = requireBracedUuid(parts.stepUuid, "step UUID");
  if (parts.environmentUuid === undefined) return `${repo}:${step}`;
  return `${repo}:${requireBracedUuid(parts.environmentUuid, "environment UUID")}:${step}`;
}

/**
 * The `StringLike` pattern for a trust condition on `<provider>:sub`: `{repo}:*`, or
 * `{repo}:{env}:*` to restrict to one deployment environment. `sub` changes every step, so it is
 * never matched with `StringEquals`.
 */
export function subPattern(repositoryUuid: string, environmentUuid?: string): string {
  const repo = requireBracedUuid(repositoryUuid, "repository UUID");
  if (environmentUuid === undefined) return `${repo}:*`;
  return `${repo}:${requireBracedUuid(environmentUuid, "environment UUID")}:*`;
}

const REQUIRED_STRING = [
  "iss",
  "sub",
  "workspaceUuid",
  "repositoryUuid",
  "pipelineUuid",
  "stepUuid",
] as const;
const BRACED = [
  "workspaceUuid",
  "repositoryUuid",
  "pipelineUuid",
  "stepUuid",
  "deploymentEnvironmentUuid",
] as const;

/**
 * Checks that a (verified) claim set has Bitbucket's shape. Missing claims are `TokenError`
 * `ERR_CLAIM_MISSING` (`expected: { claim }`); wrong types or un-braced UUIDs `ERR_TOKEN_MALFORMED`.
 */
export function toBitbucketClaims(claims: Record<string, unknown>): BitbucketClaims {
  for (const name of [...REQUIRED_STRING, "aud", "iat", "exp"]) {
    if (claims[name] === undefined) {
      throw new TokenError("ERR_CLAIM_MISSING", `token has no ${name} claim`, {
        expected: { claim: name },
        actual: undefined,
      });
    }
  }
  for (const name of REQUIRED_STRING) {
    if (typeof claims[name] !== "string") {
      throw new TokenError("ERR_TOKEN_MALFORMED", `claim ${name} must be a string`, {
        actual: claims[name],
      });
    }
  }
  for (const name of ["iat", "exp"]) {
    if (typeof claims[name] !== "number" || !Number.isFinite(claims[name])) {
      throw new TokenError("ERR_TOKEN_MALFORMED", `claim ${name} must be a number`, {
        actual: claims[name],
      });
    }
  }
  const aud = claims.aud;
  if (
    typeof aud !== "string" &&
    !(Array.isArray(aud) && aud.every((a): a is string => typeof a === "string"))
  ) {
    throw new TokenError("ERR_TOKEN_MALFORMED", "claim aud must be a string or array of strings", {
      actual: aud,
    });
  }
  for (const name of BRACED) {
    const v = claims[name];
    if (v !== undefined && !isBracedUuid(v)) {
      throw new TokenError("ERR_TOKEN_MALFORMED", `claim ${name} must be a UUID in braces`, {
        expected: "{uuid}",
        actual: v,
      });
    }
  }
  try {
    parseSub(claims.sub as string);
  } catch (e) {
    throw new TokenError("ERR_TOKEN_MALFORMED", `claim sub: ${(e as Error).message}`, {
      actual: claims.sub,
      cause: e,
    });
  }
  return claims as BitbucketClaims;
}
