import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import {
  type BitbucketClaims,
  defaultAudience,
  formatSub,
  issuerFor,
  MAX_AUDIENCE_LENGTH,
  MAX_CUSTOM_AUDIENCES,
  requireBracedUuid,
} from "../../bitbucket/index.js";
import { InputError } from "../../errors.js";
import type { Store } from "../store/types.js";
import { activeKey, signingKeyFor } from "./signing-keys.js";
import { checkSlug, ensureWorkspace, stableUuid } from "./workspaces.js";

/** What a pipeline step would be: everything optional except the workspace and the repository. */
export interface MintOptions {
  /** Workspace slug; created (with a signing key) if the emulator does not know it yet. */
  workspace: string;
  /** Braced, e.g. `{1de489be-…}`. */
  repositoryUuid: string;
  /** Braced; present only for a deployment step (it then appears in `sub`). */
  deploymentEnvironmentUuid?: string;
  /** `branchName` claim. Default `main`. */
  branch?: string;
  /** Custom audiences (≤ 10, each ≤ 150 chars). Default: the workspace's ARI audience. */
  audiences?: string[];
  /** Default 3600. */
  ttlSeconds?: number;
  /** `exp` one hour in the past (and `iat` one lifetime before that). */
  expired?: boolean;
  /** Epoch seconds. Default: the real clock. */
  now?: number;
  /** Braced; default a fresh random UUID per token, as every step has its own. */
  stepUuid?: string;
  pipelineUuid?: string;
  /** Braced; default a UUID derived from the workspace (one stable "user"). [U] claim. */
  accountUuid?: string;
}

export const MINT_OPTION_NAMES = [
  "workspace",
  "repositoryUuid",
  "deploymentEnvironmentUuid",
  "branch",
  "audiences",
  "ttlSeconds",
  "expired",
  "now",
  "stepUuid",
  "pipelineUuid",
  "accountUuid",
] as const;

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
const MAX_TTL_SECONDS = 86_400;

function optionalUuid(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string")
    throw new InputError(`${what} must be a string`, { actual: value });
  return requireBracedUuid(value, what);
}

function checkAudiences(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    throw new InputError("audiences must be a non-empty array of strings", {
      expected: `1 to ${MAX_CUSTOM_AUDIENCES} strings`,
      actual: value,
    });
  }
  if (value.length > MAX_CUSTOM_AUDIENCES) {
    throw new InputError(
      `Bitbucket allows at most ${MAX_CUSTOM_AUDIENCES} custom audiences, got ${value.length}`,
      { expected: `≤ ${MAX_CUSTOM_AUDIENCES}`, actual: value.length },
    );
  }
  value.forEach((a, i) => {
    if (typeof a !== "string" || a === "") {
      throw new InputError(`audiences[${i}] must be a non-empty string`, { actual: a });
    }
    if (a.length > MAX_AUDIENCE_LENGTH) {
      throw new InputError(
        `audiences[${i}] is ${a.length} characters; Bitbucket allows at most ${MAX_AUDIENCE_LENGTH}`,
        { expected: `≤ ${MAX_AUDIENCE_LENGTH} characters`, actual: a.length },
      );
    }
  });
  return [...value];
}

/**
 * Checks options as they arrive (from code or from an admin request's JSON body). Unknown fields
 * are refused so a typo such as `audience` does not silently mint a default-audience token.
 */
export function checkMintOptions(raw: unknown): MintOptions {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InputError("mint options must be a JSON object", { actual: raw });
  }
  const o = raw as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!(MINT_OPTION_NAMES as readonly string[]).includes(name)) {
      throw new InputError(`unknown mint option ${JSON.stringify(name)}`, {
        expected: MINT_OPTION_NAMES.join(", "),
        actual: name,
      });
    }
  }
  const workspace = checkSlug(o.workspace);
  if (o.repositoryUuid === undefined) {
    throw new InputError("repositoryUuid is required (a UUID in braces)", {
      expected: "{repository-uuid}",
      actual: undefined,
    });
  }
  const repositoryUuid = optionalUuid(o.repositoryUuid, "repositoryUuid")!;
  if (o.branch !== undefined && (typeof o.branch !== "string" || o.branch === "")) {
    throw new InputError("branch must be a non-empty string", { actual: o.branch });
  }
  const ttl = o.ttlSeconds;
  if (
    ttl !== undefined &&
    (!Number.isSafeInteger(ttl) || (ttl as number) < 1 || (ttl as number) > MAX_TTL_SECONDS)
  ) {
    throw new InputError(`ttlSeconds must be a whole number from 1 to ${MAX_TTL_SECONDS}`, {
      expected: `1..${MAX_TTL_SECONDS}`,
      actual: ttl,
    });
  }
  if (o.expired !== undefined && typeof o.expired !== "boolean") {
    throw new InputError("expired must be true or false", { actual: o.expired });
  }
  if (o.now !== undefined && (typeof o.now !== "number" || !Number.isFinite(o.now))) {
    throw new InputError("now must be epoch seconds", { actual: o.now });
  }
  const out: MintOptions = { workspace, repositoryUuid };
  const env = optionalUuid(o.deploymentEnvironmentUuid, "deploymentEnvironmentUuid");
  if (env !== undefined) out.deploymentEnvironmentUuid = env;
  if (o.branch !== undefined) out.branch = o.branch as string;
  const audiences = checkAudiences(o.audiences);
  if (audiences !== undefined) out.audiences = audiences;
  if (ttl !== undefined) out.ttlSeconds = ttl as number;
  if (o.expired !== undefined) out.expired = o.expired;
  if (o.now !== undefined) out.now = o.now as number;
  for (const name of ["stepUuid", "pipelineUuid", "accountUuid"] as const) {
    const v = optionalUuid(o[name], name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** The claims a step with these options would receive (before signing). */
export function buildClaims(options: MintOptions, workspaceUuid: string): BitbucketClaims {
  const now = Math.floor(options.now ?? Date.now() / 1000);
  const ttl = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const exp = options.expired ? now - 3600 : now + ttl;
  const stepUuid = options.stepUuid ?? `{${randomUUID()}}`;
  const env = options.deploymentEnvironmentUuid;
  const claims: BitbucketClaims = {
    iss: issuerFor(options.workspace),
    // Always an array, even with one entry, as Bitbucket sends it.
    aud: options.audiences ?? [defaultAudience(workspaceUuid)],
    sub: formatSub({
      repositoryUuid: options.repositoryUuid,
      stepUuid,
      ...(env === undefined ? {} : { environmentUuid: env }),
    }),
    iat: exp - ttl,
    exp,
    workspaceUuid,
    repositoryUuid: options.repositoryUuid,
    pipelineUuid: options.pipelineUuid ?? `{${randomUUID()}}`,
    stepUuid,
  };
  if (env !== undefined) claims.deploymentEnvironmentUuid = env;
  claims.branchName = options.branch ?? "main";
  claims.accountUuid = options.accountUuid ?? stableUuid(`account:${options.workspace}`);
  return claims;
}

/**
 * Mints a token as Bitbucket would hand it to a step with `oidc: true`: RS256, signed with the
 * workspace's active key, `kid` in the header, the real issuer string in `iss`.
 */
export async function mintToken(store: Store, rawOptions: MintOptions): Promise<string> {
  const options = checkMintOptions(rawOptions);
  const now = Math.floor(options.now ?? Date.now() / 1000);
  const ws = await ensureWorkspace(store, options.workspace, { now });
  const key = activeKey(store, ws.slug);
  if (key === undefined) throw new Error(`workspace ${ws.slug} has no active signing key`);
  const claims = buildClaims({ ...options, now }, ws.uuid);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
    .sign(await signingKeyFor(key));
}
