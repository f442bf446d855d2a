import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Collections } from "./collections.js";
import { type DecodedJournal, decodeJournal, snapshotTag } from "./journal-codec.js";
import { JOURNAL_FILE, MARKER_FILE, SNAPSHOT_FILE } from "./layout.js";
import { decodeSnapshot, type Snapshot } from "./snapshot-codec.js";
import { stateCorrupt } from "./state-errors.js";

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

export interface LoadedState {
  collections: Collections;
  lastSeq: number;
  journal: DecodedJournal;
  journalBytes: number;
}

/**
 * Reads and cross-checks the snapshot and the journal. The journal's header says which snapshot
 * it continues from, so a missing, older or foreign snapshot is found, as is a missing or
 * emptied journal (a journal always holds at least its header).
 */
export async function loadState(root: string, legacy: boolean): Promise<LoadedState> {
  const snapshotPath = join(root, SNAPSHOT_FILE);
  const journalPath = join(root, JOURNAL_FILE);
  const snapshotText = await readIfExists(snapshotPath);
  const journalBuf = await readIfExists(journalPath);

  if (journalBuf === null) {
    throw stateCorrupt(
      journalPath,
      `it is missing, while ${MARKER_FILE} says this directory holds emulator state`,
    );
  }
  const journal = decodeJournal(journalBuf, { legacy });
  if (journal.corrupt !== undefined) {
    const { line, why } = journal.corrupt;
    throw stateCorrupt(
      journalPath,
      why === "the journal is empty"
        ? "it is empty, but a journal always starts with a header: the records it held are gone"
        : `record ${line} is damaged (${why})`,
    );
  }

  let snapshot: Snapshot | undefined;
  if (snapshotText !== null) {
    try {
      snapshot = decodeSnapshot(snapshotText.toString("utf8"));
    } catch (err) {
      throw stateCorrupt(snapshotPath, `the snapshot is damaged (${(err as Error).message})`, err);
    }
  }

  const header = journal.header;
  if (header !== undefined) {
    const { base } = header;
    if (snapshot === undefined && base > 0) {
      throw stateCorrupt(
        snapshotPath,
        `it is missing, but ${JOURNAL_FILE} continues from batch ${base}, which only the snapshot holds`,
      );
    }
    if (snapshot !== undefined) {
      if (snapshot.seq < base) {
        throw stateCorrupt(
          snapshotPath,
          `it holds batches up to ${snapshot.seq}, but ${JOURNAL_FILE} continues from batch ${base}: it is an older snapshot`,
        );
      }
      if (snapshot.seq === base && base > 0 && header.snapshot !== snapshotTag(snapshot.checksum)) {
        throw stateCorrupt(
          snapshotPath,
          `it is not the snapshot ${JOURNAL_FILE} continues from (its checksum differs)`,
        );
      }
      // Newer than the header: a compaction stopped after the snapshot, before the journal was
      // replaced; the old journal must then reach the snapshot's last batch.
      if (snapshot.seq > base && !journal.entries.some((e) => e.seq === snapshot.seq)) {
        throw stateCorrupt(
          snapshotPath,
          `it holds batches up to ${snapshot.seq}, which ${JOURNAL_FILE} (from batch ${base}) does not reach: it is not from this state`,
        );
      }
    }
  }

  const collections = snapshot?.collections ?? new Collections();
  let lastSeq = snapshot?.seq ?? 0;
  for (const entry of journal.entries) {
    if (entry.seq <= lastSeq) continue; // already in the snapshot (crash during compaction)
    if (entry.seq !== lastSeq + 1) {
      throw stateCorrupt(journalPath, `batch ${lastSeq + 1} is missing (found ${entry.seq})`);
    }
    for (const op of entry.ops) collections.apply(op);
    lastSeq = entry.seq;
  }
  return { collections, lastSeq, journal, journalBytes: journalBuf.length };
}
