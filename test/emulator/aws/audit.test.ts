import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { AUDIT_FLUSH_MS, type AuditEntry, AuditLog } from "../../../src/emulator/aws/audit.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "bb-oidc-audit-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (n: number): AuditEntry => ({
  time: "2026-01-01T00:00:00.000Z",
  requestId: `req-${n}`,
  action: "AssumeRoleWithWebIdentity",
  role: "arn:aws:iam::111111111111:role/deploy",
  decision: n % 2 ? "deny" : "allow",
  // A refusal of a verified token: written line by line (unverified ones are only counted).
  tokenVerified: true,
});

const lines = async (path: string) =>
  (await readFile(path, "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test("a line reaches the file shortly after the decision, without waiting for close", async () => {
  const path = join(dir, "audit.log");
  const log = new AuditLog(path);
  log.append(entry(1));
  const deadline = Date.now() + 5_000;
  let seen: Array<Record<string, unknown>> = [];
  while (Date.now() < deadline) {
    seen = await lines(path);
    if (seen.length > 0) break;
    await new Promise((r) => setTimeout(r, AUDIT_FLUSH_MS));
  }
  expect(seen).toEqual([expect.objectContaining({ requestId: "req-1", decision: "deny" })]);
  await log.close();
});

test("close writes every pending line, in order", async () => {
  const path = join(dir, "audit.log");
  const log = new AuditLog(path);
  for (let i = 0; i < 2000; i++) log.append(entry(i));
  await log.close();
  const got = await lines(path);
  expect(got.map((e) => e.requestId)).toEqual(Array.from({ length: 2000 }, (_, i) => `req-${i}`));
});

test("when the disk falls behind, lines are dropped and the log says how many", async () => {
  const path = join(dir, "audit.log");
  const one = JSON.stringify(entry(0)).length + 1;
  // Room for two lines in memory: the next three are dropped.
  const log = new AuditLog(path, { maxBufferedBytes: one * 2 + 10 });
  for (let i = 0; i < 5; i++) log.append(entry(i));
  expect(log.dropped).toBe(3);
  await new Promise((r) => setTimeout(r, AUDIT_FLUSH_MS * 3));
  log.append(entry(5));
  await log.close();
  const got = await lines(path);
  expect(got.map((e) => e.requestId ?? `dropped ${e.dropped}`)).toEqual([
    "req-0",
    "req-1",
    "dropped 3",
    "req-5",
  ]);
});

test("refusals nobody authenticated are counted into one summary line, not written one by one", async () => {
  const path = join(dir, "audit.log");
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const log = new AuditLog(path, { now: () => clock });
  for (let i = 0; i < 500; i++) {
    log.append({
      time: new Date(clock).toISOString(),
      requestId: `junk-${i}`,
      ip: i % 2 ? "198.51.100.7" : "203.0.113.9",
      action: "AssumeRoleWithWebIdentity",
      decision: "deny",
      code: "InvalidIdentityToken",
      tokenVerified: false,
    });
  }
  log.countRejected("MalformedHTTPRequest", "198.51.100.7");
  // A verified token's refusal and a signed caller's are still written in full.
  log.append({ ...entry(1), requestId: "real" });
  log.append({
    ...entry(3),
    requestId: "signed",
    tokenVerified: undefined,
    caller: "arn:aws:iam::111111111111:root",
  });
  clock += 60_000;
  await log.close();
  const got = await lines(path);
  expect(got.map((e) => e.requestId ?? e.summary)).toEqual([
    "real",
    "signed",
    "unauthenticated requests refused",
  ]);
  expect(got[0]).not.toHaveProperty("tokenVerified");
  expect(got[2]).toEqual({
    time: "2026-01-01T00:01:00.000Z",
    summary: "unauthenticated requests refused",
    since: "2026-01-01T00:00:00.000Z",
    count: 501,
    byCode: { InvalidIdentityToken: 500, MalformedHTTPRequest: 1 },
    topSources: [
      { ip: "198.51.100.7", count: 251 },
      { ip: "203.0.113.9", count: 250 },
    ],
  });
  expect(log.unauthenticated).toBe(501);
});

test("the summary is written every interval while garbage keeps coming, and not when none came", async () => {
  const path = join(dir, "audit.log");
  const log = new AuditLog(path, { summaryIntervalMs: 40 });
  const junk = { ...entry(1), tokenVerified: false, code: "InvalidIdentityToken" };
  log.append(junk);
  await new Promise((r) => setTimeout(r, 200));
  log.append(junk);
  log.append(junk);
  await new Promise((r) => setTimeout(r, 200));
  await log.close();
  const counts = (await lines(path)).map((e) => e.count);
  expect(counts).toEqual([1, 2]);
});

test("the file rotates at its size bound, keeping a bounded number of earlier files", async () => {
  const path = join(dir, "audit.log");
  // An audit.log from an earlier run counts towards the first rotation.
  await writeFile(path, `${JSON.stringify({ earlier: true })}\n`);
  const log = new AuditLog(path, { maxFileBytes: 64 * 1024, keepFiles: 2 });
  const line = JSON.stringify(entry(0)).length + 1;
  const total = Math.ceil((64 * 1024 * 5) / line);
  for (let i = 0; i < total; i++) log.append(entry(i));
  await log.close();
  const files = (await readdir(dir)).sort();
  expect(files).toEqual(["audit.log", "audit.log.1", "audit.log.2"]);
  const kept = [
    ...(await lines(`${path}.2`)),
    ...(await lines(`${path}.1`)),
    ...(await lines(path)),
  ];
  for (const f of files) {
    const size = (await readFile(join(dir, f))).length;
    expect(size).toBeLessThanOrEqual(64 * 1024);
  }
  // The newest entries are all there, in order, ending with the last one.
  const ids = kept.map((e) => e.requestId);
  expect(ids.at(-1)).toBe(`req-${total - 1}`);
  const first = Number(String(ids[0]).slice(4));
  expect(ids).toEqual(Array.from({ length: total - first }, (_, i) => `req-${first + i}`));
  expect(kept.length).toBeGreaterThan((64 * 1024 * 2) / line);
});

test("keepFiles 0 empties the file at the bound instead of keeping earlier ones", async () => {
  const path = join(dir, "audit.log");
  const log = new AuditLog(path, { maxFileBytes: 64 * 1024, keepFiles: 0 });
  const line = JSON.stringify(entry(0)).length + 1;
  for (let i = 0; i < Math.ceil((64 * 1024 * 3) / line); i++) log.append(entry(i));
  await log.close();
  expect(await readdir(dir)).toEqual(["audit.log"]);
  expect((await readFile(path)).length).toBeLessThanOrEqual(64 * 1024);
});
