import type { FileHandle } from "node:fs/promises";
import { open, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Collections, normaliseOps } from "./collections.js";
import { classifyDir, markerText, NEW_JOURNAL } from "./dir-state.js";
import { fsyncDir, writeFileAtomic } from "./fs-durable.js";
import { encodeEntry, encodeHeader, snapshotTag } from "./journal-codec.js";
import { JOURNAL_FILE, MARKER_FILE, SNAPSHOT_FILE } from "./layout.js";
import { loadState } from "./load-state.js";
import { acquireLock, type StateLock } from "./lock.js";
import { encodeSnapshot, snapshotChecksum } from "./snapshot-codec.js";
import { storeBroken, storeClosed } from "./state-errors.js";
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
    private journal: FileHandle,
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

  select<T>(collection: string, where: (value: Readonly<T>) => boolean): T[] {
    return this.collections.select<T>(collection, where);
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
   * Snapshot first, then a new journal holding only a header that names it; each replaced
   * atomically (rename + directory fsync). A crash between the two leaves the old journal, whose
   * batches reach the new snapshot's sequence number: replay skips those. Runs only inside the
   * flush loop (or after it drained), so no append races the swap.
   */
  async compactNow(): Promise<void> {
    const seq = this.nextSeq - 1;
    const snapshot = encodeSnapshot(seq, this.collections);
    await writeFileAtomic(this.snapshotPath, snapshot);
    const journalPath = join(this.dir, JOURNAL_FILE);
    await writeFileAtomic(
      journalPath,
      encodeHeader({ base: seq, snapshot: snapshotTag(snapshotChecksum(snapshot)) }),
    );
    const old = this.journal;
    this.journal = await open(journalPath, "a", 0o600);
    await old.close();
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

/**
 * Opens (or initialises) a state directory. Nonexistent or empty → initialised; ours → checked
 * and replayed; anything else → ERR_STATE_FOREIGN / ERR_STATE_CORRUPT / ERR_STATE_VERSION /
 * ERR_STATE_LOCKED, with every file left as it was. Only a torn tail (a batch whose write never
 * completed) is dropped from the journal.
 */
export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<FileStore> {
  const root = resolve(dir);
  const state = await classifyDir(root);
  const lock = await acquireLock(root);
  try {
    if (state.kind === "fresh") {
      // Journal first, then the marker: the marker says "this directory holds a journal".
      await writeFileAtomic(join(root, JOURNAL_FILE), NEW_JOURNAL);
      await writeFileAtomic(join(root, MARKER_FILE), markerText());
    }
    const legacy = state.kind === "ours" && state.version === 1;
    const loaded = await loadState(root, legacy);

    const journalPath = join(root, JOURNAL_FILE);
    // Leftovers of an interrupted atomic write; the files they were to replace are intact.
    await unlink(join(root, `${SNAPSHOT_FILE}.tmp`)).catch(() => {});
    await unlink(`${journalPath}.tmp`).catch(() => {});
    const journal = await open(journalPath, "a", 0o600);
    try {
      if (loaded.journal.validLength < loaded.journalBytes) {
        // Drop the torn tail so new batches are not appended after garbage.
        await journal.truncate(loaded.journal.validLength);
        await journal.datasync();
      }
      await fsyncDir(root);
    } catch (err) {
      await journal.close();
      throw err;
    }
    const store = new DurableStore(
      root,
      loaded.collections,
      journal,
      lock,
      loaded.lastSeq,
      loaded.journal.validLength - loaded.journal.headerBytes,
      options.compactAfterBytes ?? 4 * 1024 * 1024,
    );
    if (legacy) {
      // Version 1 → 2: a snapshot and a journal that starts with its header, then the marker.
      await store.compactNow();
      await writeFileAtomic(join(root, MARKER_FILE), markerText());
    }
    return store;
  } catch (err) {
    await lock.release();
    throw err;
  }
}
