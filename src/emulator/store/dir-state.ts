import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { decodeJournal, encodeHeader } from "./journal-codec.js";
import {
  isDerivedFile,
  isInitLeftover,
  JOURNAL_FILE,
  MARKER_FILE,
  READABLE_VERSIONS,
  SNAPSHOT_FILE,
  STATE_FORMAT,
  STATE_VERSION,
} from "./layout.js";
import { decodeSnapshot } from "./snapshot-codec.js";
import { stateCorrupt, stateForeign, stateVersion } from "./state-errors.js";

/**
 * What a path given as a state directory is: nothing yet (created), an emulator's state (with
 * its version), or a refusal naming what is wrong. Reads only; never changes what it finds.
 */
export type DirState = { kind: "fresh" } | { kind: "ours"; version: number };

/** What a journal holds when a new state directory is initialised. */
export const NEW_JOURNAL = encodeHeader({ base: 0 });

export async function classifyDir(dir: string): Promise<DirState> {
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
    // The first start writes the journal, then the marker: a journal with no batch yet and no
    // marker is that start interrupted.
    if (others.length === 1 && others[0] === JOURNAL_FILE) {
      const journal = await readFile(join(dir, JOURNAL_FILE), "utf8").catch(() => "");
      if (journal === NEW_JOURNAL) return { kind: "fresh" };
    }
    // Only the emulator's own files, without the marker: state that lost its marker, not a
    // foreign directory. (Foreign files anywhere make it foreign.)
    const ours = await ourStateFiles(dir, others);
    const derived = others.filter(isDerivedFile);
    if (ours.length + derived.length === others.length) {
      const here = [...ours, ...derived];
      throw stateCorrupt(
        join(dir, MARKER_FILE),
        `it is missing, while ${here.join(", ")} ${here.length > 1 ? "are" : "is"} here`,
      );
    }
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
  if (!READABLE_VERSIONS.includes(marker.version as number)) {
    throw stateVersion(dir, marker.version, STATE_VERSION);
  }
  if (marker.version !== 1 && marker.checksum !== markerChecksum(marker)) {
    throw stateCorrupt(markerPath, "its checksum does not match its content");
  }
  return { kind: "ours", version: marker.version as number };
}

/** Over the fields that matter, so a changed byte anywhere in them is found. */
function markerChecksum(m: Record<string, unknown>): string {
  const json = JSON.stringify([m.format, m.version, m.createdAt]);
  return createHash("sha256").update(json).digest("hex").slice(0, 16);
}

/** The marker: what this directory is, in which version, since when. */
export function markerText(): string {
  const marker: Record<string, unknown> = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    createdAt: new Date().toISOString(),
  };
  marker.checksum = markerChecksum(marker);
  return `${JSON.stringify(marker, null, 2)}\n`;
}

/** Which of `names` are an emulator's journal or snapshot by their content (checksums hold). */
async function ourStateFiles(dir: string, names: string[]): Promise<string[]> {
  const out: string[] = [];
  if (names.includes(JOURNAL_FILE)) {
    const buf = await readFile(join(dir, JOURNAL_FILE)).catch(() => Buffer.alloc(0));
    const j = decodeJournal(buf, { legacy: true });
    if (j.header !== undefined || j.entries.length > 0) out.push(JOURNAL_FILE);
  }
  if (names.includes(SNAPSHOT_FILE)) {
    const text = await readFile(join(dir, SNAPSHOT_FILE), "utf8").catch(() => "");
    try {
      decodeSnapshot(text);
      out.push(SNAPSHOT_FILE);
    } catch {
      // not ours (or damaged beyond recognition): the directory reads as foreign
    }
  }
  return out;
}
