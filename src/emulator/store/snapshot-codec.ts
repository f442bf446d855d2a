import { createHash } from "node:crypto";
import { Collections } from "./collections.js";
import { STATE_FORMAT, STATE_VERSION } from "./layout.js";

/**
 * Snapshot format: `<sha256 hex>\n<json>`; json holds the format tag, the sequence number of the
 * last batch it includes, and every collection as an ordered list of [key, value] pairs.
 */
export interface Snapshot {
  seq: number;
  collections: Collections;
  /** SHA-256 of the snapshot's JSON, hex (the journal header names it). */
  checksum: string;
}

export function encodeSnapshot(seq: number, collections: Collections): string {
  const json = JSON.stringify({
    format: STATE_FORMAT,
    version: STATE_VERSION,
    seq,
    collections: collections.toJSON(),
  });
  return `${createHash("sha256").update(json).digest("hex")}\n${json}`;
}

/** Versions 1 and 2 write the same snapshot. */
const SNAPSHOT_VERSIONS = [1, STATE_VERSION];

/** The checksum `encodeSnapshot` put in front of its text. */
export function snapshotChecksum(text: string): string {
  return text.slice(0, 64);
}

/** Throws an Error describing the damage; the caller wraps it into ERR_STATE_CORRUPT. */
export function decodeSnapshot(text: string): Snapshot {
  const nl = text.indexOf("\n");
  if (nl !== 64) throw new Error("missing checksum header");
  const json = text.slice(nl + 1);
  if (createHash("sha256").update(json).digest("hex") !== text.slice(0, nl)) {
    throw new Error("checksum mismatch");
  }
  const parsed = JSON.parse(json) as Record<string, unknown>;
  if (parsed.format !== STATE_FORMAT || !SNAPSHOT_VERSIONS.includes(parsed.version as number)) {
    throw new Error("unexpected format or version");
  }
  if (typeof parsed.seq !== "number" || !Number.isSafeInteger(parsed.seq)) {
    throw new Error("bad sequence number");
  }
  return {
    seq: parsed.seq,
    collections: Collections.fromJSON(parsed.collections),
    checksum: text.slice(0, nl),
  };
}
