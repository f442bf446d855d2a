/**
 * Every way a state file can be lost or damaged, at the store: each is refused with a message
 * naming the file and the way out, and every file is left exactly as it was. Only a torn tail (a
 * batch whose write never completed) is dropped. The same through the CLI, as the user sees it:
 * test/emulator/durability/refusal.test.ts.
 */
import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../../src/emulator/store/index.js";
import { encodeEntry } from "../../../src/emulator/store/journal-codec.js";
import { BbOidcError } from "../../../src/errors.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "bb-oidc-integrity-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Names, bytes and mtimes of every file in `dir`. */
async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await stat(p);
    out[name] = `${st.size}:${st.mtimeMs}:${createHash("sha256")
      .update(await readFile(p))
      .digest("hex")}`;
  }
  return out;
}

/** A clean stop (snapshot + a journal holding only its header) and a crash (journal batches). */
let clean: string;
let crashed: string;

beforeAll(async () => {
  clean = await tempDir();
  const a = await openStore(clean, { compactAfterBytes: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < 5; i++) await a.put("roles", `r${i}`, { i });
  await a.close(); // compacts
  crashed = await tempDir();
  const b = await openStore(crashed, { compactAfterBytes: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < 5; i++) await b.put("roles", `r${i}`, { i });
  // No close: as after kill -9 (the lock's owner is this live process, so drop the lock file).
  await rm(join(crashed, "emulator.lock"));
});

type Damage = { name: string; apply(path: string): Promise<void> };

const flipAt = (where: (len: number) => number, label: string): Damage => ({
  name: `a flipped byte (${label})`,
  async apply(path) {
    const buf = await readFile(path);
    const at = where(buf.length);
    buf[at] = buf[at]! ^ 0x01;
    await writeFile(path, buf);
  },
});

const DAMAGE: Damage[] = [
  { name: "deleted", apply: (p) => rm(p) },
  { name: "emptied", apply: (p) => writeFile(p, "") },
  flipAt(() => 0, "first"),
  flipAt((n) => Math.floor(n / 2), "middle"),
  flipAt((n) => n - 2, "inside the last record"),
  flipAt((n) => n - 1, "last"),
];

async function refusedUntouched(dir: string, file: string, damage: Damage) {
  const copy = await tempDir();
  await cp(dir, copy, { recursive: true });
  await damage.apply(join(copy, file));
  const before = await fingerprint(copy);
  const err = await openStore(copy).then(
    (s) => {
      void s.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err, `${file} ${damage.name} was accepted`).toBeInstanceOf(BbOidcError);
  const e = err as BbOidcError;
  expect(e.code).toBe("ERR_STATE_CORRUPT");
  expect(e.message).toContain(join(copy, file));
  expect(e.hint).toContain(`bb-oidc emulator reset --state ${copy}`);
  expect(await fingerprint(copy)).toEqual(before);
}

describe("a damaged state file is refused, and nothing is changed", () => {
  for (const file of ["bb-oidc-state.json", "snapshot.json", "journal.jsonl"]) {
    for (const damage of DAMAGE) {
      it(`after a clean stop: ${file} ${damage.name}`, () => refusedUntouched(clean, file, damage));
    }
  }
  for (const file of ["bb-oidc-state.json", "journal.jsonl"]) {
    for (const damage of DAMAGE) {
      it(`after a crash: ${file} ${damage.name}`, () => refusedUntouched(crashed, file, damage));
    }
  }

  it("a snapshot from another state directory is refused", async () => {
    const other = await tempDir();
    const s = await openStore(other);
    for (let i = 0; i < 5; i++) await s.put("roles", `x${i}`, { i });
    await s.close();
    const copy = await tempDir();
    await cp(clean, copy, { recursive: true });
    await writeFile(join(copy, "snapshot.json"), await readFile(join(other, "snapshot.json")));
    await expect(openStore(copy)).rejects.toThrow(/not the snapshot journal\.jsonl continues from/);
  });
});

describe("the torn tail, the only thing ever dropped", () => {
  it("a last record cut short is dropped; everything acknowledged before it is kept", async () => {
    const buf = await readFile(join(crashed, "journal.jsonl"));
    const lastStart = buf.lastIndexOf(10, buf.length - 2) + 1;
    // Cuts inside the last record, from one byte to all but its newline.
    const cuts = [1, 17, Math.floor((buf.length - lastStart) / 2), buf.length - lastStart - 1];
    for (const keep of cuts) {
      const copy = await tempDir();
      await cp(crashed, copy, { recursive: true });
      await writeFile(join(copy, "journal.jsonl"), buf.subarray(0, lastStart + keep));
      const s = await openStore(copy);
      expect(s.list("roles")).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
      await s.put("roles", "after", { i: 9 });
      await s.close();
      const again = await openStore(copy);
      expect(again.list("roles").at(-1)).toEqual({ i: 9 });
      await again.close();
    }
  });
});

describe("version 1 state", () => {
  it("is read and migrated: a journal without a header, then version 2 on disk", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "bb-oidc-state.json"),
      JSON.stringify({ format: "bb-oidc-emulator-state", version: 1, createdAt: "2026-01-01" }),
    );
    const lines = [0, 1, 2].map((i) =>
      encodeEntry({
        seq: i + 1,
        ops: [{ op: "put", collection: "roles", key: `r${i}`, value: i }],
      }),
    );
    await writeFile(join(dir, "journal.jsonl"), lines.join(""));
    const s = await openStore(dir);
    expect(s.list("roles")).toEqual([0, 1, 2]);
    await s.close();
    const marker = JSON.parse(await readFile(join(dir, "bb-oidc-state.json"), "utf8"));
    expect(marker.version).toBe(2);
    expect((await readFile(join(dir, "journal.jsonl"), "utf8")).split("\n")[0]).toMatch(/"base":3/);
    const again = await openStore(dir);
    expect(again.list("roles")).toEqual([0, 1, 2]);
    await again.close();
  });
});
