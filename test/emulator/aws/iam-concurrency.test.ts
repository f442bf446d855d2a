/**
 * IAM mutations racing each other, with real overlap by construction: the store below holds every
 * write until the test flushes it (as DurableStore shows a write to readers only after its
 * fsync), so all calls of a burst are in flight together. Exactly one create of a name may be
 * acknowledged; read-modify-write updates of one entity must not lose each other's changes.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { IamState } from "../../../src/emulator/aws/iam/state.js";
import { openMemoryStore } from "../../../src/emulator/store/index.js";
import type { Store, StoreOp } from "../../../src/emulator/store/types.js";

const ACCOUNT = "111111111111";
const OTHER = "222222222222";
const N = 8;

interface HeldStore extends Store {
  /** Batches written but not yet visible. */
  held(): number;
  /** Makes every held batch visible and resolves its promise. */
  flush(): Promise<void>;
}

function heldStore(): HeldStore {
  const inner = openMemoryStore();
  let queue: Array<{ ops: StoreOp[]; resolve: () => void; reject: (e: unknown) => void }> = [];
  const store: HeldStore = {
    dir: null,
    get: (collection, key) => inner.get(collection, key),
    list: (collection) => inner.list(collection),
    put: (collection, key, value) => store.batch([{ op: "put", collection, key, value }]),
    delete: (collection, key) => store.batch([{ op: "delete", collection, key }]),
    batch: (ops) =>
      new Promise<void>((resolve, reject) => {
        queue.push({ ops, resolve, reject });
      }),
    close: () => inner.close(),
    held: () => queue.length,
    async flush() {
      const group = queue;
      queue = [];
      for (const b of group) await inner.batch(b.ops).then(b.resolve, b.reject);
    },
  };
  return store;
}

function iamOn(store: Store): IamState {
  return new IamState({
    store,
    random: (n) => randomBytes(n),
    now: () => Date.parse("2025-01-01"),
  });
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Flushes until every promise has settled; returns their outcomes. */
async function settle<T>(
  store: HeldStore,
  calls: Promise<T>[],
): Promise<PromiseSettledResult<T>[]> {
  let done = false;
  const all = Promise.allSettled(calls).then((r) => {
    done = true;
    return r;
  });
  while (!done) {
    await tick();
    await store.flush();
  }
  return all;
}

const trust = (i: number) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/example.test` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { "example.test:aud": `aud-${i}` } },
      },
    ],
  });

const identity = (i: number) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::b${i}/*` }],
  });

const codes = (results: PromiseSettledResult<unknown>[]) =>
  results.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as { code?: string }).code));

describe("IAM mutations under concurrency", () => {
  it("the held store really holds: without waiting, nothing is visible", async () => {
    const store = heldStore();
    const p = store.put("c", "k", 1);
    await tick();
    expect(store.get("c", "k")).toBeUndefined();
    expect(store.held()).toBe(1);
    await store.flush();
    await p;
    expect(store.get("c", "k")).toBe(1);
  });

  it("acknowledges exactly one CreateRole of a name (any case), the rest EntityAlreadyExists", async () => {
    const store = heldStore();
    const iam = iamOn(store);
    const calls = Array.from({ length: N }, (_, i) =>
      iam.createRole(ACCOUNT, {
        name: i % 2 ? "Contended" : "contended",
        trustPolicy: trust(i),
        description: `attempt ${i}`,
      }),
    );
    await tick();
    // All N calls are in flight together and none has been acknowledged yet.
    expect(store.held()).toBeGreaterThanOrEqual(1);
    const results = await settle(store, calls);
    expect(codes(results).filter((c) => c === "ok")).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") {
        expect(r.reason).toMatchObject({ code: "EntityAlreadyExists", httpStatus: 409 });
      }
    }
    const winner = results.find((r) => r.status === "fulfilled")!;
    const served = iam.getRole(ACCOUNT, "contended");
    expect(served.roleId).toBe((winner as PromiseFulfilledResult<{ roleId: string }>).value.roleId);
  });

  it("acknowledges exactly one CreateOpenIDConnectProvider of a URL", async () => {
    const store = heldStore();
    const iam = iamOn(store);
    const calls = Array.from({ length: N }, (_, i) =>
      iam.createOpenIdConnectProvider(ACCOUNT, {
        url: "https://contended.example.test",
        clientIds: [`aud-${i}`],
        thumbprints: ["a".repeat(39) + String(i)],
      }),
    );
    const results = await settle(store, calls);
    expect(codes(results).filter((c) => c === "ok")).toHaveLength(1);
    expect(codes(results).filter((c) => c === "EntityAlreadyExists")).toHaveLength(N - 1);
  });

  it("acknowledges exactly one CreatePolicy of a name", async () => {
    const store = heldStore();
    const iam = iamOn(store);
    const calls = Array.from({ length: N }, (_, i) =>
      iam.createPolicy(ACCOUNT, { name: "contended", document: identity(i) }),
    );
    const results = await settle(store, calls);
    expect(codes(results).filter((c) => c === "ok")).toHaveLength(1);
    expect(codes(results).filter((c) => c === "EntityAlreadyExists")).toHaveLength(N - 1);
  });

  it("keeps accounts apart: the same name in two accounts is two creates", async () => {
    const store = heldStore();
    const iam = iamOn(store);
    const results = await settle(store, [
      iam.createRole(ACCOUNT, { name: "same", trustPolicy: trust(1) }),
      iam.createRole(OTHER, { name: "same", trustPolicy: trust(2) }),
    ]);
    expect(codes(results)).toEqual(["ok", "ok"]);
  });

  it("loses no concurrent AttachRolePolicy or PutRolePolicy on one role", async () => {
    const store = heldStore();
    const iam = iamOn(store);
    await settle(store, [iam.createRole(ACCOUNT, { name: "busy", trustPolicy: trust(0) })]);
    const arns = (
      await settle(
        store,
        Array.from({ length: 4 }, (_, i) =>
          iam.createPolicy(ACCOUNT, { name: `p${i}`, document: identity(i) }),
        ),
      )
    ).map((r) => (r as PromiseFulfilledResult<{ arn: string }>).value.arn);
    const results = await settle(store, [
      ...arns.map((arn) => iam.attachRolePolicy(ACCOUNT, "busy", arn)),
      ...Array.from({ length: 4 }, (_, i) =>
        iam.putRolePolicy(ACCOUNT, "busy", `inline-${i}`, identity(i)),
      ),
    ]);
    expect(codes(results).every((c) => c === "ok")).toBe(true);
    expect(
      iam
        .listAttachedRolePolicies(ACCOUNT, "busy")
        .map((p) => p.arn)
        .sort(),
    ).toEqual([...arns].sort());
    expect(iam.listRolePolicies(ACCOUNT, "busy").map((p) => p.policyName)).toHaveLength(4);
  });

  it("a DeleteRole racing a PutRolePolicy never leaves a policy on a deleted role", async () => {
    const store = heldStore();
    const iam = iamOn(store);
    await settle(store, [iam.createRole(ACCOUNT, { name: "doomed", trustPolicy: trust(0) })]);
    const results = await settle(store, [
      iam.putRolePolicy(ACCOUNT, "doomed", "inline", identity(0)),
      iam.deleteRole(ACCOUNT, "doomed"),
    ]);
    // Serialised in arrival order: the policy lands first, so the delete is refused.
    expect(codes(results)).toEqual(["ok", "DeleteConflict"]);
    expect(iam.listRolePolicies(ACCOUNT, "doomed")).toHaveLength(1);
  });

  it("a failed mutation releases the account for the next one", async () => {
    const store = heldStore();
    const iam = iamOn(store);
    const results = await settle(store, [
      iam.createRole(ACCOUNT, { name: "bad name!", trustPolicy: trust(0) }),
      iam.createRole(ACCOUNT, { name: "good", trustPolicy: trust(0) }),
    ]);
    expect(codes(results)).toEqual(["ValidationError", "ok"]);
  });
});
