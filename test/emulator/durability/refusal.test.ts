/**
 * A state directory the emulator cannot trust is refused at start, before it touches anything:
 * a clear message on stderr naming the path, a non-zero exit, and the directory exactly as it was
 * (same files, bytes, modes and mtimes). Silently starting empty, or "repairing", would make
 * acknowledged writes vanish.
 */
import { cp, mkdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateRoleCommand, GetRoleCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUp,
  fingerprint,
  iamFor,
  prepareCli,
  runToExit,
  startEmulator,
  tempDir,
  trustPolicy,
} from "./helpers.js";

const ACCOUNT = "111111111111";
const ROLES = 6;
const LOCK = "emulator.lock";
let cli: string;

beforeAll(async () => {
  cli = await prepareCli();
}, 120_000);

afterAll(cleanUp);

/**
 * A state directory whose journal holds one line per role (written one at a time, then SIGKILL so
 * no shutdown compaction folds them into the snapshot). `stop: "term"` shuts down cleanly instead,
 * which leaves the state in snapshot.json.
 */
async function populatedState(stop: "kill" | "term" = "kill"): Promise<string> {
  const dir = await tempDir("bb-oidc-refusal-");
  const emu = await startEmulator(cli, dir);
  const iam = iamFor(emu);
  try {
    for (let i = 0; i < ROLES; i++) {
      await iam.send(
        new CreateRoleCommand({
          RoleName: `role-${i}`,
          AssumeRolePolicyDocument: trustPolicy(ACCOUNT, i),
        }),
      );
    }
  } finally {
    iam.destroy();
  }
  if (stop === "kill") {
    await emu.kill();
  } else {
    await new Promise<void>((resolve) => {
      emu.child.once("exit", () => resolve());
      emu.child.kill("SIGTERM");
    });
  }
  return dir;
}

async function journalLines(dir: string): Promise<Buffer[]> {
  const buf = await readFile(join(dir, "journal.jsonl"));
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
    lines.push(buf.subarray(start, nl + 1));
    start = nl + 1;
  }
  return lines;
}

/**
 * Starts the emulator on `dir`, expecting a refusal that leaves `watch` (default `dir`) untouched.
 *
 * One change is allowed: a lock file left by an emulator that was SIGKILLed (its pid is gone) may
 * be taken over, since the emulator must hold the lock before it reads the journal; the refusing
 * process must not leave its own lock behind. Everything else (marker, journal, snapshot, CA,
 * audit log, foreign files) must be byte-for-byte as it was, with the same mode and mtime.
 */
async function expectRefusal(dir: string, mention: string, why: RegExp, watch = dir) {
  const before = await fingerprint(watch);
  const staleLock = before[LOCK];
  const r = await runToExit(cli, dir);
  expect(r.signal, `the emulator started instead of refusing: ${r.stdout}`).toBeNull();
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain(mention);
  expect(r.stderr).toMatch(why);
  // One message, not a stack trace.
  expect(r.stderr).not.toMatch(/^\s+at /m);
  const after = await fingerprint(watch);
  if (staleLock !== undefined && after[LOCK] === undefined) delete before[LOCK];
  expect(after).toEqual(before);
  return r;
}

describe("refusing state it cannot trust", () => {
  it("refuses a journal garbled in the middle (damage followed by intact lines)", async () => {
    const dir = await populatedState();
    const lines = await journalLines(dir);
    expect(lines.length).toBeGreaterThanOrEqual(ROLES);
    // Overwrite bytes in the middle of a middle line, same length: only the checksum can tell.
    const k = Math.floor(lines.length / 2);
    const bad = Buffer.from(lines[k]!);
    bad.fill("X".charCodeAt(0), Math.floor(bad.length / 2), Math.floor(bad.length / 2) + 8);
    lines[k] = bad;
    await writeFile(join(dir, "journal.jsonl"), Buffer.concat(lines));
    const r = await expectRefusal(dir, join(dir, "journal.jsonl"), /damaged/i);
    expect(r.stderr).toContain(`record ${k + 1} is damaged`);
  }, 60_000);

  it("refuses a journal with bytes cut out of the middle", async () => {
    const dir = await populatedState();
    const lines = await journalLines(dir);
    const k = Math.floor(lines.length / 2);
    const line = lines[k]!;
    const mid = Math.floor(line.length / 2);
    lines[k] = Buffer.concat([line.subarray(0, mid - 10), line.subarray(mid + 10)]);
    await writeFile(join(dir, "journal.jsonl"), Buffer.concat(lines));
    await expectRefusal(dir, join(dir, "journal.jsonl"), /damaged/i);
  }, 60_000);

  it("refuses a journal truncated in the middle with a later line spliced after it", async () => {
    // A truncation point inside the file (not at its end) followed by intact data: a crash
    // cannot produce this, so it is corruption, not a torn tail.
    const dir = await populatedState();
    const lines = await journalLines(dir);
    const k = Math.floor(lines.length / 2);
    const half = lines[k]!.subarray(0, Math.floor(lines[k]!.length / 2));
    const spliced = Buffer.concat([...lines.slice(0, k), half, ...lines.slice(k + 1)]);
    await writeFile(join(dir, "journal.jsonl"), spliced);
    await expectRefusal(dir, join(dir, "journal.jsonl"), /damaged/i);
  }, 60_000);

  it("refuses a garbled snapshot", async () => {
    const dir = await populatedState("term");
    const path = join(dir, "snapshot.json");
    const snap = Buffer.from(await readFile(path));
    expect(snap.toString("utf8")).toContain("role-5");
    const at = snap.indexOf("role-3");
    snap.write("ROLE", at, "latin1");
    await writeFile(path, snap);
    await expectRefusal(dir, path, /damaged/i);
  }, 60_000);

  it("refuses a directory with unrelated files", async () => {
    const dir = await tempDir("bb-oidc-foreign-");
    await writeFile(join(dir, "notes.txt"), "my notes\n");
    await mkdir(join(dir, "data"));
    await writeFile(join(dir, "data", "records.json"), '{"keep":"me"}\n');
    await writeFile(join(dir, "journal.jsonl"), "not a journal\n");
    await expectRefusal(dir, dir, /not a bb-oidc emulator state directory/);
  });

  it("refuses a directory whose marker names another format", async () => {
    const dir = await tempDir("bb-oidc-foreign-");
    await writeFile(
      join(dir, "bb-oidc-state.json"),
      JSON.stringify({ format: "someone-elses-state", version: 1 }),
    );
    await writeFile(join(dir, "journal.jsonl"), "");
    await expectRefusal(dir, dir, /not a bb-oidc emulator state directory/);
  });

  it("refuses a path that is a file, not a directory, and leaves the file alone", async () => {
    const dir = await tempDir("bb-oidc-foreign-");
    const file = join(dir, "state");
    await writeFile(file, "I am a file\n");
    await expectRefusal(file, file, /not a directory/i, dir);
  });

  // startEmulator leaves creating the directory to openStore, which classifies the path first: a
  // file there is ERR_STATE_FOREIGN's "it is a file, not a directory", not a raw EEXIST.
  it("says clearly that a file given as the state directory is not a directory", async () => {
    const dir = await tempDir("bb-oidc-foreign-");
    const file = join(dir, "state");
    await writeFile(file, "I am a file\n");
    const r = await runToExit(cli, file);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not a bb-oidc emulator state directory \(it is a file/);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(/EEXIST|unexpected error/i);
    expect(await readFile(file, "utf8")).toBe("I am a file\n");
  });

  it("says clearly that a path below a file cannot be a state directory", async () => {
    const dir = await tempDir("bb-oidc-foreign-");
    const file = join(dir, "state");
    await writeFile(file, "I am a file\n");
    const below = join(file, "nested");
    await expectRefusal(below, below, /not a bb-oidc emulator state directory/, dir);
  });

  it("accepts a torn tail (a crash mid-append), the boundary of what counts as corrupt", async () => {
    const dir = await populatedState();
    const lines = await journalLines(dir);
    const total = lines.reduce((n, l) => n + l.length, 0);
    // Cut the last line in half: what a crash during the final append leaves behind.
    await truncate(join(dir, "journal.jsonl"), total - Math.floor(lines.at(-1)!.length / 2));
    const emu = await startEmulator(cli, dir);
    const iam = iamFor(emu);
    try {
      for (let i = 0; i < ROLES - 1; i++) {
        const r = await iam.send(new GetRoleCommand({ RoleName: `role-${i}` }));
        expect(r.Role?.RoleName).toBe(`role-${i}`);
      }
      // The torn batch is gone entirely, not half there.
      await expect(iam.send(new GetRoleCommand({ RoleName: `role-${ROLES - 1}` }))).rejects.toThrow(
        /cannot be found/,
      );
    } finally {
      iam.destroy();
      await emu.kill();
    }
  }, 60_000);
});

describe("each state file deleted, emptied or with its last byte flipped", () => {
  // One populated directory per way of stopping, copied for each case.
  const bases: Record<"term" | "kill", string> = { term: "", kill: "" };
  beforeAll(async () => {
    bases.term = await populatedState("term");
    bases.kill = await populatedState("kill");
  }, 120_000);

  const damages: Array<[string, (path: string) => Promise<void>]> = [
    ["deleted", (p) => rm(p)],
    ["emptied", (p) => writeFile(p, "")],
    [
      "with its last byte flipped",
      async (p) => {
        const buf = await readFile(p);
        buf[buf.length - 1] = buf[buf.length - 1]! ^ 0x01;
        await writeFile(p, buf);
      },
    ],
  ];
  const cases: Array<["term" | "kill", string]> = [
    ["term", "bb-oidc-state.json"],
    ["term", "snapshot.json"],
    ["term", "journal.jsonl"],
    ["kill", "bb-oidc-state.json"],
    ["kill", "journal.jsonl"],
  ];
  for (const [stop, file] of cases) {
    for (const [how, damage] of damages) {
      it(`after ${stop === "term" ? "a clean stop" : "kill -9"}: ${file} ${how} is refused`, async () => {
        const dir = await tempDir("bb-oidc-refusal-");
        await cp(bases[stop], dir, { recursive: true });
        await damage(join(dir, file));
        const r = await expectRefusal(dir, join(dir, file), /damaged/);
        expect(r.stderr).toContain(`bb-oidc emulator reset --state ${dir}`);
      }, 60_000);
    }
  }
});
