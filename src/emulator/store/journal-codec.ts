import { createHash } from "node:crypto";
import type { StoreOp } from "./types.js";

/**
 * Journal format: one committed batch per line, `<checksum> <json>\n`, where json is
 * `{"seq":n,"ops":[...]}` and checksum is the first 16 hex chars of SHA-256 over the json bytes.
 * One line per batch is what makes a batch all-or-nothing: replay takes a line whole or not at all.
 */
export interface JournalEntry {
  seq: number;
  ops: StoreOp[];
}

const CHECKSUM_HEX = 16;
const NEWLINE = 0x0a;

function checksum(json: string | Buffer): string {
  return createHash("sha256").update(json).digest("hex").slice(0, CHECKSUM_HEX);
}

export function encodeEntry(entry: JournalEntry): string {
  const json = JSON.stringify(entry);
  return `${checksum(json)} ${json}\n`;
}

function decodeLine(line: Buffer): JournalEntry | null {
  if (line.length < CHECKSUM_HEX + 2 || line[CHECKSUM_HEX] !== 0x20) return null;
  const sum = line.subarray(0, CHECKSUM_HEX).toString("latin1");
  const json = line.subarray(CHECKSUM_HEX + 1);
  if (checksum(json) !== sum) return null;
  try {
    const parsed = JSON.parse(json.toString("utf8")) as JournalEntry;
    if (!Number.isSafeInteger(parsed.seq) || !Array.isArray(parsed.ops)) return null;
    return parsed;
  } catch {
    return null;
  }
}

export interface DecodedJournal {
  entries: JournalEntry[];
  /** Bytes up to and including the last intact line; anything after it is a torn write. */
  validLength: number;
  /** Line number (1-based) of a damaged line that is followed by intact ones: real corruption. */
  corruptLine?: number;
}

/**
 * A crash can only damage the end of an append-only file, so damage followed by nothing intact is
 * a torn write of an unacknowledged batch and is dropped. Damage followed by an intact line cannot
 * come from a crash: that is corruption, and the caller refuses to continue.
 */
export function decodeJournal(buf: Buffer): DecodedJournal {
  const entries: JournalEntry[] = [];
  let validLength = 0;
  let firstBad: number | undefined;
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    const end = buf.indexOf(NEWLINE, start);
    if (end === -1) break; // no newline: the final write was cut short
    lineNo++;
    const entry = decodeLine(buf.subarray(start, end));
    if (entry === null) {
      firstBad ??= lineNo;
    } else {
      if (firstBad !== undefined) return { entries, validLength, corruptLine: firstBad };
      entries.push(entry);
      validLength = end + 1;
    }
    start = end + 1;
  }
  return { entries, validLength };
}
