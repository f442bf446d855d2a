import { createHash } from "node:crypto";
import type { StoreOp } from "./types.js";

/**
 * Journal format: one record per line, `<checksum> <json>\n`, where checksum is the first 16 hex
 * chars of SHA-256 over the json bytes. The first line is a header naming where the journal
 * starts: `{"base":n,"snapshot":"<hash>"}` (batches up to `base` are in the snapshot whose
 * checksum starts with `hash`; base 0 and no snapshot for a new state). Every other line is one
 * committed batch, `{"seq":n,"ops":[...]}`. One line per batch is what makes a batch
 * all-or-nothing: replay takes a line whole or not at all.
 *
 * Version 1 journals (before the header) are read for migration: their first line is a batch.
 */
export interface JournalEntry {
  seq: number;
  ops: StoreOp[];
}

export interface JournalHeader {
  base: number;
  /** The first 16 hex digits of the snapshot's checksum; absent when base is 0. */
  snapshot?: string;
}

const CHECKSUM_HEX = 16;
const NEWLINE = 0x0a;

function checksum(json: string | Buffer): string {
  return createHash("sha256").update(json).digest("hex").slice(0, CHECKSUM_HEX);
}

function encodeLine(value: unknown): string {
  const json = JSON.stringify(value);
  return `${checksum(json)} ${json}\n`;
}

export function encodeEntry(entry: JournalEntry): string {
  return encodeLine(entry);
}

export function encodeHeader(header: JournalHeader): string {
  return encodeLine(header);
}

/** The JSON of a line whose checksum holds, or null. */
function verifiedJson(line: Buffer): Record<string, unknown> | null {
  if (line.length < CHECKSUM_HEX + 2 || line[CHECKSUM_HEX] !== 0x20) return null;
  const sum = line.subarray(0, CHECKSUM_HEX).toString("latin1");
  const json = line.subarray(CHECKSUM_HEX + 1);
  if (checksum(json) !== sum) return null;
  try {
    const parsed = JSON.parse(json.toString("utf8")) as unknown;
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function asEntry(v: Record<string, unknown> | null): JournalEntry | null {
  if (v === null || !Number.isSafeInteger(v.seq) || !Array.isArray(v.ops)) return null;
  return v as unknown as JournalEntry;
}

function asHeader(v: Record<string, unknown> | null): JournalHeader | null {
  if (v === null || !Number.isSafeInteger(v.base) || (v.base as number) < 0) return null;
  if (v.snapshot !== undefined && typeof v.snapshot !== "string") return null;
  return v as unknown as JournalHeader;
}

export interface DecodedJournal {
  /** Absent only in a version 1 journal. */
  header?: JournalHeader;
  entries: JournalEntry[];
  /** Bytes up to and including the last intact record; anything after it is a torn write. */
  validLength: number;
  /** Bytes of the header line (0 without one). */
  headerBytes: number;
  /** A damaged record (1-based line number and why): the journal cannot be trusted. */
  corrupt?: { line: number; why: string };
}

/**
 * Tells a torn tail from damage. Each batch is appended as whole lines ending in a newline, and
 * the batch is acknowledged only after that write is on disk; a crash can leave only a prefix of
 * the last write. So:
 *
 * - a line that ends in a newline and fails its checksum was written whole and changed later:
 *   damage, wherever it is, the last line included;
 * - bytes after the last newline are a torn write (a batch whose write never completed, so it
 *   was never acknowledged) and are dropped, unless they are a whole record followed by one more
 *   byte: that is a record whose newline was overwritten, damage too.
 *
 * A journal always starts with its header (written with the file, atomically), so a journal
 * without one, an empty one included, lost its records.
 */
export function decodeJournal(buf: Buffer, opts: { legacy?: boolean } = {}): DecodedJournal {
  const entries: JournalEntry[] = [];
  let header: JournalHeader | undefined;
  let validLength = 0;
  let headerBytes = 0;
  let start = 0;
  let lineNo = 0;
  const corrupt = (why: string): DecodedJournal => ({
    ...(header ? { header } : {}),
    entries,
    validLength,
    headerBytes,
    corrupt: { line: lineNo, why },
  });
  const take = (json: Record<string, unknown> | null, end: number): string | undefined => {
    // A version 1 journal may already have a header: its migration was interrupted.
    const h = lineNo === 1 ? asHeader(json) : null;
    if (h !== null) {
      header = h;
      headerBytes = end;
    } else if (lineNo === 1 && !opts.legacy) {
      return "the journal does not start with its header";
    } else {
      const entry = asEntry(json);
      if (entry === null) return "it fails its checksum";
      entries.push(entry);
    }
    validLength = end;
    return undefined;
  };
  if (buf.length === 0 && !opts.legacy) {
    return { entries, validLength, headerBytes, corrupt: { line: 1, why: "the journal is empty" } };
  }
  while (start < buf.length) {
    const nl = buf.indexOf(NEWLINE, start);
    lineNo++;
    if (nl === -1) {
      if (lineNo === 1 && !opts.legacy)
        return corrupt("the journal does not start with its header");
      const tail = buf.subarray(start);
      if (tail.length > 1 && verifiedJson(tail.subarray(0, tail.length - 1)) !== null) {
        return corrupt("the newline ending the last record was overwritten");
      }
      break; // a torn write: dropped
    }
    const why = take(verifiedJson(buf.subarray(start, nl)), nl + 1);
    if (why) return corrupt(why);
    start = nl + 1;
  }
  return { ...(header ? { header } : {}), entries, validLength, headerBytes };
}

/** The header's short form of a snapshot checksum. */
export function snapshotTag(snapshotChecksum: string): string {
  return snapshotChecksum.slice(0, CHECKSUM_HEX);
}
