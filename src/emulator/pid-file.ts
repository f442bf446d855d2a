import { readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { BbOidcError, InputError } from "../errors.js";
import { writeFileAtomic } from "./store/fs-durable.js";
import { LOCK_FILE, MARKER_FILE, PID_FILE } from "./store/layout.js";

/**
 * `<state>/emulator.pid`: the running emulator's process ID, for `bb-oidc emulator stop` and for
 * scripts (`kill $(cat state/emulator.pid)`). Written once both servers listen, removed when the
 * emulator stops. The state lock (emulator.lock) names the same process; `stop` signals only a
 * process both name, so a stale file whose number was reused is never acted on.
 */
export async function writePidFile(stateDir: string): Promise<void> {
  await writeFileAtomic(join(stateDir, PID_FILE), `${process.pid}\n`);
}

/** Removes the pid file if it is still this process's. */
export async function removePidFile(stateDir: string): Promise<void> {
  const path = join(stateDir, PID_FILE);
  const pid = await readPid(path);
  if (pid === process.pid) await unlink(path).catch(() => {});
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(path, "utf8")).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export type StopOutcome =
  | { stopped: true; pid: number }
  | { stopped: false; why: "not-running"; stalePid?: number };

/**
 * Stops the emulator running on `stateDir`: SIGTERM to the process the pid file and the lock both
 * name, then waits until it is gone (it answers requests in flight, flushes and releases the
 * directory first). Not running is not an error. Refuses to signal a process the lock does not
 * name, and says so when the emulator outlives `timeoutMs`.
 */
export async function stopEmulator(stateDir: string, timeoutMs = 10_000): Promise<StopOutcome> {
  const root = resolve(stateDir);
  const marker = await readFile(join(root, MARKER_FILE)).catch(() => undefined);
  if (marker === undefined) {
    throw new InputError(
      `--state: ${root} is not an emulator state directory (no ${MARKER_FILE}).`,
      {
        hint: "Give the directory the emulator was started with (--state).",
      },
    );
  }
  const pidPath = join(root, PID_FILE);
  const pid = await readPid(pidPath);
  if (pid === undefined) return { stopped: false, why: "not-running" };
  if (!isAlive(pid)) {
    // The emulator died without cleaning up (kill -9): the file is stale, not state.
    await unlink(pidPath).catch(() => {});
    return { stopped: false, why: "not-running", stalePid: pid };
  }
  const lock = await readLockOwner(join(root, LOCK_FILE));
  if (lock?.pid !== pid || lock.host !== hostname()) {
    throw new BbOidcError(
      "ERR_EMULATOR_STOP",
      `${PID_FILE} in ${root} names process ${pid}, but that process does not hold the directory's lock; not signalling it.`,
      {
        actual: { pid, lock },
        hint: `If an emulator is running on ${root}, stop it where it runs (Ctrl-C), or kill the pid in ${LOCK_FILE}.`,
      },
    );
  }
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (!(await hasStopped(pid, root))) {
    if (Date.now() > deadline) {
      throw new BbOidcError(
        "ERR_EMULATOR_STOP",
        `The emulator (pid ${pid}) is still running ${Math.round(timeoutMs / 1000)} s after SIGTERM.`,
        {
          actual: { pid },
          hint: `It may be finishing long requests. Wait and run stop again, or \`kill -9 ${pid}\`: every acknowledged write is already on disk.`,
        },
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { stopped: true, pid };
}

/**
 * Gone, or done: an emulator that has released its state directory (its pid file and lock are
 * gone) has saved everything and is exiting; one that exited but was not reaped yet by its parent
 * (a zombie) still answers `kill -0`.
 */
async function hasStopped(pid: number, root: string): Promise<boolean> {
  if (!isAlive(pid)) return true;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  if (/^\d+ \(.*\) Z/s.test(stat)) return true;
  const [pidFile, lock] = await Promise.all([
    readPid(join(root, PID_FILE)),
    readLockOwner(join(root, LOCK_FILE)),
  ]);
  return pidFile !== pid && lock?.pid !== pid;
}

async function readLockOwner(path: string): Promise<{ pid: number; host: string } | undefined> {
  try {
    const v = JSON.parse(await readFile(path, "utf8")) as { pid?: unknown; host?: unknown };
    return typeof v.pid === "number" && typeof v.host === "string"
      ? { pid: v.pid, host: v.host }
      : undefined;
  } catch {
    return undefined;
  }
}
