import { readdir, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InputError } from "../../errors.js";
import {
  isDerivedFile,
  isInitLeftover,
  JOURNAL_FILE,
  LOCK_FILE,
  MARKER_FILE,
  SNAPSHOT_FILE,
} from "./layout.js";
import { acquireLock } from "./lock.js";
import { stateForeign } from "./state-errors.js";

/** What `bb-oidc emulator reset` may delete: the emulator's own files, nothing else. */
function isEmulatorFile(name: string): boolean {
  return (
    name === MARKER_FILE ||
    name === JOURNAL_FILE ||
    name === SNAPSHOT_FILE ||
    name === `${SNAPSHOT_FILE}.tmp` ||
    isInitLeftover(name) ||
    isDerivedFile(name)
  );
}

/**
 * Discards an emulator's state: the explicit, asked-for way out of a refused state directory.
 * Refused while an emulator runs on the directory (it holds the lock) and when the directory
 * holds anything that is not the emulator's (nothing foreign is ever deleted). The directory
 * itself stays; the next start initialises it (a new CA and thumbprint, new admin keys).
 * Returns the names removed.
 */
export async function resetStateDir(dir: string): Promise<string[]> {
  const root = resolve(dir);
  let names: string[];
  try {
    if (!(await stat(root)).isDirectory())
      throw stateForeign(root, "it is a file, not a directory");
    names = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError(`--state: ${root} does not exist; there is nothing to reset.`);
    }
    throw err;
  }
  const foreign = names.filter((n) => !isEmulatorFile(n));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? ", …" : "");
    throw stateForeign(
      root,
      `it holds files the emulator did not write (${shown}); nothing was removed`,
    );
  }
  // Holding the lock proves no emulator is running on the directory (a live one is refused).
  const lock = await acquireLock(root);
  const removed: string[] = [];
  try {
    // The marker first: from then on the directory no longer claims to hold state.
    const ordered = [...names].sort((a, b) => rank(a) - rank(b));
    for (const name of ordered) {
      if (name === LOCK_FILE) continue;
      await unlink(join(root, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
      removed.push(name);
    }
  } finally {
    await lock.release();
  }
  return removed;
}

function rank(name: string): number {
  return name === MARKER_FILE ? 0 : 1;
}
