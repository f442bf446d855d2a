import { mkdtemp, readFile, rm } from "node:fs/promises";
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
