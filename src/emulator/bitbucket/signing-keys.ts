import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { BbOidcError, InputError } from "../../errors.js";
import type { Store, StoreOp } from "../store/types.js";
import { SIGNING_KEYS, WORKSPACES } from "./collection-names.js";
import { serialized } from "./serialize.js";

/** One RS256 signing key of a workspace. Times are epoch seconds. */
export interface SigningKeyRecord {
  kid: string;
  workspace: string;
  createdAt: number;
  /** Set when a newer key took over; the key then signs nothing new. */
  retiredAt?: number;
  /** A retired key stays in keys.json until then, so tokens it signed still verify. */
  publishUntil?: number;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** A JWK as published in keys.json. */
export interface PublishedJwk extends JWK {
  kid: string;
  use: "sig";
  alg: "RS256";
}

/** Long enough for a token signed just before rotation (1 h) plus STS's 5 min clock grace. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 7200;

function keysOf(store: Store, workspace: string): SigningKeyRecord[] {
  return store.list<SigningKeyRecord>(SIGNING_KEYS).filter((k) => k.workspace === workspace);
}

async function newKey(workspace: string, now: number): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", {
    modulusLength: 2048,
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  // RFC 7638 thumbprint: unique per key and stable, so a kid never points at two keys.
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    workspace,
    createdAt: now,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256" },
    publicJwk: { ...publicJwk, kid, alg: "RS256", use: "sig" },
  };
}

/** The key new tokens are signed with: the newest one that has not been retired. */
export function activeKey(store: Store, workspace: string): SigningKeyRecord | undefined {
  return keysOf(store, workspace)
    .filter((k) => k.retiredAt === undefined)
    .at(-1);
}

/** Keys that keys.json publishes at `now` (epoch seconds): the active key and those in grace. */
export function publishedKeys(store: Store, workspace: string, now: number): PublishedJwk[] {
  return keysOf(store, workspace)
    .filter((k) => k.publishUntil === undefined || k.publishUntil > now)
    .map((k) => ({ ...k.publicJwk, kid: k.kid, use: "sig", alg: "RS256" }));
}

/** Creates the first key of a workspace if it has no active key. Caller holds `serialized`. */
export async function ensureSigningKey(
  store: Store,
  workspace: string,
  now: number,
): Promise<SigningKeyRecord> {
  const current = activeKey(store, workspace);
  if (current !== undefined) return current;
  const key = await newKey(workspace, now);
  await store.put(SIGNING_KEYS, key.kid, key);
  return key;
}

export interface RotateKeysOptions {
  /** Epoch seconds; defaults to the real clock. */
  now?: number;
  /** How long the previous key stays published. Default 7200 s. */
  graceSeconds?: number;
}

export interface RotateKeysResult {
  /** The new active key. */
  kid: string;
  /** Keys retired by this rotation, published until `publishUntil`. */
  retired: { kid: string; publishUntil: number }[];
  /** Keys whose grace had ended and that were removed. */
  removed: string[];
}

/**
 * Adds a new active key; the previous one keeps being published for `graceSeconds`. New key,
 * retirement and pruning of expired keys are one batch, so a crash never leaves a workspace with
 * no active key or two.
 */
export async function rotateKeys(
  store: Store,
  workspace: string,
  options: RotateKeysOptions = {},
): Promise<RotateKeysResult> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const grace = options.graceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
  if (!Number.isSafeInteger(grace) || grace < 0) {
    throw new InputError("graceSeconds must be a whole number of seconds ≥ 0", {
      expected: "integer ≥ 0",
      actual: grace,
    });
  }
  return serialized(store, async () => {
    if (store.get(WORKSPACES, workspace) === undefined) {
      throw new BbOidcError(
        "ERR_WORKSPACE_NOT_FOUND",
        `No workspace ${JSON.stringify(workspace)} in the emulator.`,
        {
          actual: workspace,
          hint: "Create it first (POST /_emulator/workspaces or mint a token for it).",
        },
      );
    }
    const key = await newKey(workspace, now);
    const ops: StoreOp[] = [{ op: "put", collection: SIGNING_KEYS, key: key.kid, value: key }];
    const result: RotateKeysResult = { kid: key.kid, retired: [], removed: [] };
    for (const k of keysOf(store, workspace)) {
      if (k.publishUntil !== undefined && k.publishUntil <= now) {
        ops.push({ op: "delete", collection: SIGNING_KEYS, key: k.kid });
        result.removed.push(k.kid);
      } else if (k.retiredAt === undefined) {
        const publishUntil = now + grace;
        ops.push({
          op: "put",
          collection: SIGNING_KEYS,
          key: k.kid,
          value: { ...k, retiredAt: now, publishUntil },
        });
        result.retired.push({ kid: k.kid, publishUntil });
      }
    }
    await store.batch(ops);
    return result;
  });
}

const imported = new Map<string, CryptoKey | Uint8Array>();

/** The private key as a signing key object; cached because importing RSA keys is not free. */
export async function signingKeyFor(record: SigningKeyRecord): Promise<CryptoKey | Uint8Array> {
  let key = imported.get(record.kid);
  if (key === undefined) {
    key = await importJWK(record.privateJwk, "RS256");
    imported.set(record.kid, key);
  }
  return key;
}
