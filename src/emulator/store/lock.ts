import { link, readFile, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { LOCK_FILE } from "./layout.js";
import { stateLocked } from "./state-errors.js";

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface StateLock {
  readonly path: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — still alive.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<LockOwner>;
    if (typeof parsed.pid !== "number" || typeof parsed.host !== "string") return null;
    return parsed as LockOwner;
  } catch {
    return null;
  }
}

/**
 * One emulator per state directory: two writers appending to one journal would interleave
 * batches. The lock is a file created atomically holding the owner's pid. A lock left by a
 * process that no longer exists (kill -9, power loss) is taken over; a lock from another host
 * cannot be checked and is refused.
 */
export async function acquireLock(dir: string): Promise<StateLock> {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    // Write the owner to a private file, then hard-link it into place: link() fails if the lock
    // exists and never exposes a half-written lock file to a competing reader.
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(me), { mode: 0o600 });
    let linked = false;
    try {
      await link(tmp, path);
      linked = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      await unlink(tmp).catch(() => {});
    }
    if (linked) {
      return {
        path,
        async release() {
          const owner = await readOwner(path);
          if (owner?.pid === me.pid && owner.host === me.host) await unlink(path).catch(() => {});
        },
      };
    }
    const owner = await readOwner(path);
    if (owner !== null) {
      const sameHost = owner.host === me.host;
      if (!sameHost || isAlive(owner.pid)) {
        throw stateLocked(
          dir,
          `pid ${owner.pid} on ${owner.host} since ${owner.startedAt}; lock file ${path}`,
        );
      }
    }
    // Dead owner or an unreadable (torn) lock file: remove it and try again. Another process
    // racing for the same stale lock loses at link() above.
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
  throw stateLocked(dir, `lock file ${path} keeps reappearing`);
}
