import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readdir, readFile, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Collections, normaliseOps } from "./collections.js";
import { fsyncDir, writeFileAtomic } from "./fs-durable.js";
import { decodeJournal, encodeEntry } from "./journal-codec.js";
import {
  isInitLeftover,
  JOURNAL_FILE,
  MARKER_FILE,
  SNAPSHOT_FILE,
  STATE_FORMAT,
  STATE_VERSION,
} from "./layout.js";
import { acquireLock, type StateLock } from "./lock.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot-codec.js";
import {
  stateCorrupt,
  stateForeign,
  stateVersion,
  storeBroken,
  storeClosed,
} from "./state-errors.js";
import type { Store, StoreOp } from "./types.js";

export interface OpenStoreOptions {
  /** Journal size that triggers compaction into a snapshot. Default 4 MiB. */
  compactAfterBytes?: number;
}

/** The directory-backed store; `compact()` is exposed for tests and tooling. */
export interface FileStore extends Store {
  readonly dir: string;
  /** Writes a snapshot of the current state and empties the journal. */
  compact(): Promise<void>;
}

interface PendingBatch {
  seq: number;
  line: string;
  ops: StoreOp[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

type DirState = { kind: "fresh" } | { kind: "ours" };

async function classifyDir(dir: string): Promise<DirState> {
  let names: string[];
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw stateForeign(dir, "it is a file, not a directory");
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") throw stateForeign(dir, "part of the path above it is a file");
    if (code !== "ENOENT") throw err;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (mkdirErr) {
      const c = (mkdirErr as NodeJS.ErrnoException).code;
      if (c === "ENOTDIR") throw stateForeign(dir, "part of the path above it is a file");
      // Only something that is not a directory (e.g. a dangling symbolic link) gives EEXIST here.
      if (c === "EEXIST") throw stateForeign(dir, "it exists and is not a directory");
      throw mkdirErr;
    }
    return { kind: "fresh" };
  }
  if (!names.includes(MARKER_FILE)) {
    const others = names.filter((n) => !isInitLeftover(n));
    if (others.length === 0) return { kind: "fresh" };
    const shown = others.slice(0, 5).join(", ") + (others.length > 5 ? ", …" : "");
    throw stateForeign(dir, `it is not empty and has no ${MARKER_FILE}; it contains ${shown}`);
  }
  const markerPath = join(dir, MARKER_FILE);
  let marker: Record<string, unknown>;
  try {
    marker = JSON.parse(await readFile(markerPath, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw stateCorrupt(markerPath, "the marker file is not valid JSON", err);
  }
  if (marker === null || typeof marker !== "object" || marker.format !== STATE_FORMAT) {
    throw stateForeign(dir, `${MARKER_FILE} does not say format "${STATE_FORMAT}"`);
  }
  if (marker.version !== STATE_VERSION) throw stateVersion(dir, marker.version, STATE_VERSION);
  return { kind: "ours" };
}

class DurableStore implements FileStore {
  private readonly snapshotPath: string;
  private pending: PendingBatch[] = [];
  private compactWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;
  private nextSeq: number;
  private journalBytes: number;
  private broken: Error | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    private readonly collections: Collections,
    private readonly journal: FileHandle,
    private readonly lock: StateLock,
    lastSeq: number,
    journalBytes: number,
    private readonly compactAfterBytes: number,
  ) {
    this.snapshotPath = join(dir, SNAPSHOT_FILE);
    this.nextSeq = lastSeq + 1;
    this.journalBytes = journalBytes;
  }

  get<T>(collection: string, key: string): T | undefined {
    return this.collections.get<T>(collection, key);
  }

  peek<T>(collection: string, key: string): Readonly<T> | undefined {
    return this.collections.peek<T>(collection, key);
  }

  list<T>(collection: string): T[] {
    return this.collections.list<T>(collection);
  }

  put(collection: string, key: string, value: unknown): Promise<void> {
    return this.batch([{ op: "put", collection, key, value }]);
  }

  delete(collection: string, key: string): Promise<void> {
    return this.batch([{ op: "delete", collection, key }]);
  }

  batch(ops: StoreOp[]): Promise<void> {
    if (this.closing !== null) return Promise.reject(storeClosed());
    if (this.broken !== null) return Promise.reject(this.broken);
    let normalised: StoreOp[];
    try {
      normalised = normaliseOps(ops);
    } catch (err) {
      return Promise.reject(err);
    }
    if (normalised.length === 0) return Promise.resolve();
    const seq = this.nextSeq++;
    const line = encodeEntry({ seq, ops: normalised });
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ seq, line, ops: normalised, resolve, reject });
      this.kick();
    });
  }

  compact(): Promise<void> {
    if (this.broken !== null) return Promise.reject(this.broken);
    return new Promise<void>((resolve, reject) => {
      this.compactWaiters.push({ resolve, reject });
      this.kick();
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.flushing !== null) await this.flushing;
      // A snapshot at shutdown keeps the next start fast; failure is harmless (journal is intact).
      if (this.broken === null && this.journalBytes > 0) await this.compactNow().catch(() => {});
      await this.journal.close();
      await this.lock.release();
    })();
    return this.closing;
  }

  private kick(): void {
    if (this.flushing !== null) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      // A batch queued between the loop's last check and this callback would otherwise wait
      // forever: kick() saw a loop still "running" and left it to that loop.
      if (this.pending.length > 0 || this.compactWaiters.length > 0) this.kick();
    });
  }

  /**
   * Group commit: every batch that arrived while the previous fsync was running is written with
   * one write and made durable with one fsync. Under load that turns N fsyncs into a few, while a
   * lone write still pays exactly one. State is applied in memory only after the fsync, so no
   * reader ever sees a value that could vanish in a crash.
   */
  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0 || this.compactWaiters.length > 0) {
      const group = this.pending.splice(0);
      if (group.length > 0) {
        const data = Buffer.from(group.map((g) => g.line).join(""), "utf8");
        try {
          await writeAll(this.journal, data);
          await this.journal.datasync();
        } catch (err) {
          // Some bytes may have reached the file; appending more after them could turn a torn
          // tail into mid-file corruption. Stop accepting writes until a restart replays.
          this.broken = storeBroken(this.dir, err);
          for (const g of [...group, ...this.pending.splice(0)]) g.reject(this.broken);
          for (const w of this.compactWaiters.splice(0)) w.reject(this.broken);
          return;
        }
        this.journalBytes += data.length;
        for (const g of group) {
          for (const op of g.ops) this.collections.apply(op);
        }
        for (const g of group) g.resolve();
      }
      const waiters = this.compactWaiters.splice(0);
      if (waiters.length > 0 || this.journalBytes >= this.compactAfterBytes) {
        try {
          await this.compactNow();
          for (const w of waiters) w.resolve();
        } catch (err) {
          // Compaction failing leaves the journal authoritative, so writes can go on.
          for (const w of waiters) w.reject(err);
        }
      }
    }
  }

  /**
   * Snapshot first (atomic rename + directory fsync), then empty the journal. A crash between the
   * two leaves journal lines the snapshot already holds; replay skips them by sequence number.
   * Runs only inside the flush loop (or after it drained), so no append races the truncate.
   */
  private async compactNow(): Promise<void> {
    await writeFileAtomic(this.snapshotPath, encodeSnapshot(this.nextSeq - 1, this.collections));
    await this.journal.truncate(0);
    await this.journal.datasync();
    this.journalBytes = 0;
  }
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/**
 * Opens (or initialises) a state directory. Nonexistent or empty → initialised; ours → replayed;
 * anything else → ERR_STATE_FOREIGN / ERR_STATE_CORRUPT / ERR_STATE_VERSION / ERR_STATE_LOCKED.
 */
export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<FileStore> {
  const root = resolve(dir);
  const state = await classifyDir(root);
  const lock = await acquireLock(root);
  try {
    if (state.kind === "fresh") {
      await writeFileAtomic(
        join(root, MARKER_FILE),
        `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, createdAt: new Date().toISOString() }, null, 2)}\n`,
      );
    }
    await unlink(join(root, `${SNAPSHOT_FILE}.tmp`)).catch(() => {});

    const snapshotPath = join(root, SNAPSHOT_FILE);
    const snapshotText = await readIfExists(snapshotPath);
    let collections = new Collections();
    let lastSeq = 0;
    if (snapshotText !== null) {
      try {
        const snap = decodeSnapshot(snapshotText.toString("utf8"));
        collections = snap.collections;
        lastSeq = snap.seq;
      } catch (err) {
        throw stateCorrupt(
          snapshotPath,
          `the snapshot is damaged (${(err as Error).message})`,
          err,
        );
      }
    }

    const journalPath = join(root, JOURNAL_FILE);
    const journalBuf = (await readIfExists(journalPath)) ?? Buffer.alloc(0);
    const decoded = decodeJournal(journalBuf);
    if (decoded.corruptLine !== undefined) {
      throw stateCorrupt(
        journalPath,
        `line ${decoded.corruptLine} fails its checksum but later lines are intact`,
      );
    }
    for (const entry of decoded.entries) {
      if (entry.seq <= lastSeq) continue; // already in the snapshot (crash during compaction)
      if (entry.seq !== lastSeq + 1) {
        throw stateCorrupt(journalPath, `batch ${lastSeq + 1} is missing (found ${entry.seq})`);
      }
      for (const op of entry.ops) collections.apply(op);
      lastSeq = entry.seq;
    }

    const journal = await open(journalPath, "a", 0o600);
    try {
      if (decoded.validLength < journalBuf.length) {
        // Drop the torn tail so new batches are not appended after garbage.
        await journal.truncate(decoded.validLength);
        await journal.datasync();
      }
      await fsyncDir(root);
    } catch (err) {
      await journal.close();
      throw err;
    }
    return new DurableStore(
      root,
      collections,
      journal,
      lock,
      lastSeq,
      decoded.validLength,
      options.compactAfterBytes ?? 4 * 1024 * 1024,
    );
  } catch (err) {
    await lock.release();
    throw err;
  }
}
