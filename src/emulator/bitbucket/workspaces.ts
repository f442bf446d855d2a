import { createHash } from "node:crypto";
import { InputError } from "../../errors.js";
import type { Store } from "../store/types.js";
import { WORKSPACES } from "./collection-names.js";
import { serialized } from "./serialize.js";
import { ensureSigningKey } from "./signing-keys.js";

export interface WorkspaceRecord {
  slug: string;
  /** Braced, lowercase, derived from the slug: the same slug always gets the same UUID. */
  uuid: string;
  name: string;
}

/**
 * Bitbucket workspace IDs are lowercase letters, digits, '-' and '_' [U: length limit assumed 62].
 * Kept narrower than what the issuer parser accepts so the emulator never creates a workspace the
 * real service could not have.
 */
const SLUG = /^[a-z0-9][a-z0-9_-]{0,61}$/;

export function checkSlug(slug: unknown, what = "workspace"): string {
  if (typeof slug !== "string" || !SLUG.test(slug)) {
    throw new InputError(
      `${what} must be a workspace slug (lowercase letters, digits, '-', '_'; at most 62 characters), got ${JSON.stringify(slug)}`,
      { expected: "a slug such as acme", actual: slug },
    );
  }
  return slug;
}

// Fixed namespace for name-based (v5) UUIDs; any constant works, it only has to never change.
const NAMESPACE = Buffer.from("5b0c6a3e2f1d4e7a9c8b1a2d3e4f5061", "hex");

/** RFC 4122 version 5 UUID of `name` in the emulator's namespace, braced as Bitbucket writes it. */
export function stableUuid(name: string): string {
  const hash = createHash("sha1").update(NAMESPACE).update(name, "utf8").digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}}`;
}

export function workspaceUuidFor(slug: string): string {
  return stableUuid(`workspace:${checkSlug(slug)}`);
}

export function getWorkspace(store: Store, slugOrUuid: string): WorkspaceRecord | undefined {
  const bySlug = store.get<WorkspaceRecord>(WORKSPACES, slugOrUuid);
  if (bySlug !== undefined) return bySlug;
  const uuid = slugOrUuid.toLowerCase();
  return store.list<WorkspaceRecord>(WORKSPACES).find((w) => w.uuid === uuid);
}

export function listWorkspaces(store: Store): WorkspaceRecord[] {
  return store.list<WorkspaceRecord>(WORKSPACES);
}

export interface EnsureWorkspaceOptions {
  /** Display name for a new workspace; defaults to the slug. */
  name?: string;
  /** Epoch seconds, stamps the first signing key. Defaults to the real clock. */
  now?: number;
}

/**
 * Returns the workspace, creating it (and its first signing key) if needed. A workspace always has
 * a key, so its discovery document and JWKS are servable as soon as it exists.
 */
export async function ensureWorkspace(
  store: Store,
  slug: string,
  options: EnsureWorkspaceOptions = {},
): Promise<WorkspaceRecord> {
  checkSlug(slug);
  if (options.name !== undefined && (typeof options.name !== "string" || options.name === "")) {
    throw new InputError("workspace name must be a non-empty string", { actual: options.name });
  }
  return serialized(store, async () => {
    let ws = store.get<WorkspaceRecord>(WORKSPACES, slug);
    if (ws === undefined) {
      ws = { slug, uuid: workspaceUuidFor(slug), name: options.name ?? slug };
      await store.put(WORKSPACES, slug, ws);
    }
    await ensureSigningKey(store, slug, options.now ?? Math.floor(Date.now() / 1000));
    return ws;
  });
}
