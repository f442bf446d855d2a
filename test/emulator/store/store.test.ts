import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openMemoryStore, openStore, type Store } from "../../../src/emulator/store/index.js";
import { BbOidcError } from "../../../src/errors.js";

const dirs: string[] = [];
const open: Store[] = [];

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "bb-oidc-store-"));
  dirs.push(d);
  return d;
}

async function track<T extends Store>(s: Promise<T>): Promise<T> {
  const store = await s;
  open.push(store);
  return store;
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<BbOidcError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BbOidcError);
  return err as BbOidcError;
}

describe("file store basics", () => {
  it("initialises a nonexistent directory and round-trips records in insertion order", async () => {
    const dir = join(await tempDir(), "nested", "state");
    const store = await openStore(dir);
    await store.put("ws", "b", { n: 1 });
    await store.put("ws", "a", { n: 2 });
    await store.put("ws", "b", { n: 3 }); // overwrite keeps position
    await store.delete("ws", "missing");
    expect(store.list("ws")).toEqual([{ n: 3 }, { n: 2 }]);
    await store.close();
    const again = await track(openStore(dir));
    expect(again.list("ws")).toEqual([{ n: 3 }, { n: 2 }]);
    expect(again.get("ws", "a")).toEqual({ n: 2 });
    expect(again.get("ws", "zzz")).toBeUndefined();
    expect(again.dir).toBe(dir);
  });

  it("hands out copies: mutating a read value or a written value changes nothing stored", async () => {
    const store = await track(openStore(await tempDir()));
    const value = { list: [1] };
    const p = store.put("c", "k", value);
    value.list.push(2);
    await p;
    const read = store.get<{ list: number[] }>("c", "k")!;
    read.list.push(3);
    expect(store.get("c", "k")).toEqual({ list: [1] });
  });

  it("rejects bad input without writing anything", async () => {
    const store = await track(openStore(await tempDir()));
    await expect(store.put("", "k", 1)).rejects.toMatchObject({ code: "ERR_INPUT" });
    await expect(store.put("c", "k", undefined)).rejects.toMatchObject({ code: "ERR_INPUT" });
    await expect(
      store.batch([
        { op: "put", collection: "c", key: "ok", value: 1 },
        { op: "put", collection: "c", key: "bad", value: 10n },
      ]),
    ).rejects.toMatchObject({ code: "ERR_INPUT" });
    expect(store.get("c", "ok")).toBeUndefined();
  });

  it("group-commits many concurrent writes and keeps them all", async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    await Promise.all(Array.from({ length: 2000 }, (_, i) => store.put("load", `k${i}`, { i })));
    await store.close();
    const again = await track(openStore(dir));
    expect(again.list("load")).toHaveLength(2000);
  });

  it("refuses writes after close", async () => {
    const store = await openStore(await tempDir());
    await store.close();
    await expect(store.put("c", "k", 1)).rejects.toMatchObject({ code: "ERR_STATE_CLOSED" });
  });
});

describe("batches", () => {
  it("applies a batch whole", async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    await store.put("c", "gone", 0);
    await store.batch([
      { op: "put", collection: "c", key: "x", value: 1 },
      { op: "put", collection: "d", key: "y", value: 2 },
      { op: "delete", collection: "c", key: "gone" },
    ]);
    await store.close();
    const again = await track(openStore(dir));
    expect(again.get("c", "x")).toBe(1);
    expect(again.get("d", "y")).toBe(2);
    expect(again.get("c", "gone")).toBeUndefined();
  });

  it("drops a torn last batch entirely (simulated crash mid-write)", async () => {
    const dir = await tempDir();
    const store = await openStore(dir, { compactAfterBytes: Number.MAX_SAFE_INTEGER });
    await store.put("c", "before", 1);
    await store.batch([
      { op: "put", collection: "c", key: "t1", value: 1 },
      { op: "put", collection: "c", key: "t2", value: 2 },
    ]);
    // Keep the journal as it was, close (which compacts), then put back a torn version of it.
    const journal = await readFile(join(dir, "journal.jsonl"));
    await store.close();
    await rm(join(dir, "snapshot.json"));
    await writeFile(join(dir, "journal.jsonl"), journal.subarray(0, journal.length - 7));
    const again = await track(openStore(dir));
    expect(again.get("c", "before")).toBe(1);
    expect(again.get("c", "t1")).toBeUndefined();
    expect(again.get("c", "t2")).toBeUndefined();
    // New writes after the torn tail land cleanly and survive another reopen.
    await again.put("c", "after", 3);
    await again.close();
    open.pop();
    const third = await track(openStore(dir));
    expect(third.get("c", "after")).toBe(3);
    expect(third.get("c", "before")).toBe(1);
  });
});

describe("refusals", () => {
  it("refuses a foreign non-empty directory, naming it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "notes.txt"), "mine");
    const err = await refusal(openStore(dir));
    expect(err.code).toBe("ERR_STATE_FOREIGN");
    expect(err.message).toContain(dir);
    expect(err.message).toContain("notes.txt");
    expect(err.hint).toBeTruthy();
    // and did not touch it
    await expect(stat(join(dir, "emulator.lock"))).rejects.toThrow();
  });

  it("refuses a file given as the directory", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "f"), "x");
    expect((await refusal(openStore(join(dir, "f")))).code).toBe("ERR_STATE_FOREIGN");
  });

  it("refuses a marker of another format or a newer version", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "bb-oidc-state.json"),
      JSON.stringify({ format: "other", version: 1 }),
    );
    expect((await refusal(openStore(dir))).code).toBe("ERR_STATE_FOREIGN");
    await writeFile(
      join(dir, "bb-oidc-state.json"),
      JSON.stringify({ format: "bb-oidc-emulator-state", version: 99 }),
    );
    expect((await refusal(openStore(dir))).code).toBe("ERR_STATE_VERSION");
    await writeFile(join(dir, "bb-oidc-state.json"), "{not json");
    expect((await refusal(openStore(dir))).code).toBe("ERR_STATE_CORRUPT");
  });

  it("treats leftovers of an interrupted first start as empty", async () => {
    const dir = await tempDir();
    const { hostname } = await import("node:os");
    await writeFile(
      join(dir, "emulator.lock"),
      JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), startedAt: "then" }),
    );
    await writeFile(join(dir, "bb-oidc-state.json.tmp"), "");
    const store = await track(openStore(dir));
    await store.put("c", "k", 1);
  });

  it("refuses a corrupt line in the middle of the journal", async () => {
    const dir = await tempDir();
    const store = await openStore(dir, { compactAfterBytes: Number.MAX_SAFE_INTEGER });
    for (let i = 0; i < 3; i++) await store.put("c", `k${i}`, i);
    const journal = (await readFile(join(dir, "journal.jsonl"), "utf8")).split("\n");
    await store.close();
    await rm(join(dir, "snapshot.json"));
    // Line 1 is the header; line 3 holds batch 2.
    journal[2] = journal[2]!.replace('"k1"', '"kX"');
    await writeFile(join(dir, "journal.jsonl"), journal.join("\n"));
    const err = await refusal(openStore(dir));
    expect(err.code).toBe("ERR_STATE_CORRUPT");
    expect(err.message).toContain(join(dir, "journal.jsonl"));
    expect(err.message).toContain("record 3 is damaged");
    expect(err.hint).toContain(`bb-oidc emulator reset --state ${dir}`);
  });

  it("refuses a damaged snapshot", async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    await store.put("c", "k", 1);
    await store.close(); // compacts into snapshot.json
    const snap = await readFile(join(dir, "snapshot.json"), "utf8");
    await writeFile(join(dir, "snapshot.json"), snap.replace('"k"', '"j"'));
    const err = await refusal(openStore(dir));
    expect(err.code).toBe("ERR_STATE_CORRUPT");
    expect(err.message).toContain("snapshot.json");
  });

  it("refuses a second emulator on the same directory, takes over a dead one's lock", async () => {
    const dir = await tempDir();
    const first = await openStore(dir);
    const err = await refusal(openStore(dir));
    expect(err.code).toBe("ERR_STATE_LOCKED");
    expect(err.message).toContain(String(process.pid));
    await first.close();
    // A lock left by a pid that does not exist (beyond the default pid_max) is stale.
    const { hostname } = await import("node:os");
    await writeFile(
      join(dir, "emulator.lock"),
      JSON.stringify({ pid: 2 ** 22 + 11, host: hostname(), startedAt: "then" }),
    );
    const second = await track(openStore(dir));
    await second.put("c", "k", 1);
  });
});

describe("compaction", () => {
  it("compacts into a snapshot, empties the journal, and replays snapshot + journal", async () => {
    const dir = await tempDir();
    const store = await openStore(dir, { compactAfterBytes: Number.MAX_SAFE_INTEGER });
    for (let i = 0; i < 50; i++) await store.put("c", `k${i}`, { i });
    await store.delete("c", "k0");
    await store.compact();
    // Only the header is left, naming the snapshot it continues from.
    const left = (await readFile(join(dir, "journal.jsonl"), "utf8")).split("\n");
    expect(left).toHaveLength(2);
    expect(left[0]).toMatch(/^[0-9a-f]{16} \{"base":51,"snapshot":"[0-9a-f]{16}"\}$/);
    await store.put("c", "late", { i: 99 });
    // Simulate kill -9 after this point: copy files away while the store is still open.
    const snapshot = await readFile(join(dir, "snapshot.json"));
    const journal = await readFile(join(dir, "journal.jsonl"));
    await store.close();
    const copy = await tempDir();
    await writeFile(
      join(copy, "bb-oidc-state.json"),
      await readFile(join(dir, "bb-oidc-state.json")),
    );
    await writeFile(join(copy, "snapshot.json"), snapshot);
    await writeFile(join(copy, "journal.jsonl"), journal);
    const again = await track(openStore(copy));
    const values = again.list<{ i: number }>("c").map((v) => v.i);
    expect(values).toHaveLength(50);
    expect(values[0]).toBe(1);
    expect(values.at(-1)).toBe(99);
  });

  it("survives a crash between writing the snapshot and replacing the journal", async () => {
    const dir = await tempDir();
    const store = await openStore(dir, { compactAfterBytes: Number.MAX_SAFE_INTEGER });
    for (let i = 0; i < 5; i++) await store.put("c", `k${i}`, i);
    const journalBefore = await readFile(join(dir, "journal.jsonl"));
    await store.compact();
    const snapshot = await readFile(join(dir, "snapshot.json"));
    await store.close();
    // The new snapshot is in place, the journal is still the old one (header base 0, batches
    // 1–5): the batches the snapshot holds are skipped, nothing is refused or lost.
    await writeFile(join(dir, "snapshot.json"), snapshot);
    await writeFile(join(dir, "journal.jsonl"), journalBefore);
    const again = await openStore(dir);
    expect(again.list("c")).toEqual([0, 1, 2, 3, 4]);
    await again.put("c", "k5", 5);
    await again.close();
    const third = await track(openStore(dir));
    expect(third.list("c")).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("compacts automatically past the size threshold", async () => {
    const dir = await tempDir();
    const store = await track(openStore(dir, { compactAfterBytes: 2048 }));
    for (let i = 0; i < 40; i++) await store.put("c", `k${i}`, "y".repeat(100));
    expect((await stat(join(dir, "journal.jsonl"))).size).toBeLessThan(2048 + 300);
    await expect(stat(join(dir, "snapshot.json"))).resolves.toBeTruthy();
  });

  it("refuses a journal with a gap after the snapshot", async () => {
    const dir = await tempDir();
    const store = await openStore(dir, { compactAfterBytes: Number.MAX_SAFE_INTEGER });
    await store.put("c", "a", 1);
    await store.put("c", "b", 2);
    const lines = (await readFile(join(dir, "journal.jsonl"), "utf8")).split("\n");
    await store.close();
    await rm(join(dir, "snapshot.json"));
    // The header (base 0), then batch 2 without batch 1.
    await writeFile(join(dir, "journal.jsonl"), `${lines[0]}\n${lines[2]}\n`);
    const err = await refusal(openStore(dir));
    expect(err.code).toBe("ERR_STATE_CORRUPT");
    expect(err.message).toContain("batch 1 is missing (found 2)");
  });
});

describe("memory store", () => {
  it("has the same semantics without a directory", async () => {
    const store = openMemoryStore();
    expect(store.dir).toBeNull();
    await store.batch([
      { op: "put", collection: "c", key: "b", value: 1 },
      { op: "put", collection: "c", key: "a", value: 2 },
    ]);
    await store.delete("c", "b");
    expect(store.list("c")).toEqual([2]);
    await expect(store.put("c", "", 1)).rejects.toMatchObject({ code: "ERR_INPUT" });
    await store.close();
    await expect(store.put("c", "k", 1)).rejects.toMatchObject({ code: "ERR_STATE_CLOSED" });
  });
});
