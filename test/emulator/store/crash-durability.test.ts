import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../../src/emulator/store/index.js";

const writer = join(import.meta.dirname, "burst-writer.ts");
const dirs: string[] = [];

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

interface Run {
  acked: string[][];
}

/** Runs the writer until `ackTarget` acknowledgements, then SIGKILLs the process doing the writes. */
function runAndKill(dir: string, ackTarget: number): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    // detached: own process group, so npx/tsx wrappers can be cleaned up together afterwards.
    const child: ChildProcess = spawn("npx", ["tsx", writer, dir], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const acked: string[][] = [];
    let writerPid: number | undefined;
    let buf = "";
    let stderr = "";
    let killed = false;
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf("\n");
      while (nl !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith("pid ")) writerPid = Number(line.slice(4));
        if (line.startsWith("ack ")) acked.push(line.slice(4).split(" "));
        nl = buf.indexOf("\n");
      }
      if (!killed && acked.length >= ackTarget && writerPid !== undefined) {
        killed = true;
        // Kill the process that does the writes, at an arbitrary point in its burst.
        process.kill(writerPid, "SIGKILL");
      }
    });
    child.on("exit", () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // group already gone
      }
      if (!killed) reject(new Error(`writer exited before being killed: ${stderr}`));
      // Lines that arrived in the same chunk as the kill are acknowledged too; keep them.
      else resolvePromise({ acked });
    });
  });
}

describe("durability across kill -9", () => {
  it("serves every acknowledged write after SIGKILL mid-burst, batches all-or-nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bb-oidc-crash-"));
    dirs.push(dir);
    let totalAcked = 0;
    // Two rounds: the second also exercises replay of a journal that already survived a crash,
    // plus compaction (small threshold in the writer) happening at arbitrary points.
    for (const target of [400, 900]) {
      const { acked } = await runAndKill(dir, target);
      totalAcked += acked.length;
      const store = await openStore(dir);
      try {
        for (const keys of acked) {
          for (const key of keys) expect(store.get("burst", key), key).toBeDefined();
        }
        // Batches: either every key of a batch exists or none does.
        const present = new Set(store.list<{ id: number }>("burst").map((v) => v.id));
        for (const id of present) {
          if (id % 5 !== 0) continue;
          for (let i = 0; i < 3; i++) expect(store.get("burst", `b${id}-${i}`)).toBeDefined();
        }
      } finally {
        await store.close();
      }
    }
    expect(totalAcked).toBeGreaterThanOrEqual(1300);
  }, 60_000);
});
