import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.js";

/**
 * Reads a value given as `literal`, `@path` or `-` (stdin). `flag` names the option in errors.
 */
export function readValueArg(value: string, flag: string): string {
  return readRawValueArg(value, flag).trim();
}

/** `value`, `@file` or `-` (stdin), exactly as given: no whitespace removed. */
export function readRawValueArg(value: string, flag: string): string {
  if (value === "-") return readFileChecked(0, flag, "standard input");
  if (value.startsWith("@")) return readFileChecked(value.slice(1), flag, value.slice(1));
  return value;
}

export function readTextFile(path: string, flag: string): string {
  return readFileChecked(path, flag, path);
}

function readFileChecked(path: string | number, flag: string, label: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : (err as Error).message;
    throw new InputError(`${flag}: cannot read ${label}: ${why}.`, {
      hint: "Check the path, or pass the value inline.",
    });
  }
}

/** Parses JSON text, naming the source and the position of the first error. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${source} is not valid JSON: ${(err as Error).message}.`, {
      hint: "Fix the JSON syntax (a linter or `node -e 'JSON.parse(...)'` shows the spot).",
    });
  }
}

/** Reads `json`, `@file` or `-` and parses it as JSON. */
export function readJsonArg(value: string, flag: string): unknown {
  const source = value.startsWith("@") ? value.slice(1) : value === "-" ? "standard input" : flag;
  return parseJsonText(readValueArg(value, flag), source);
}

/** Collects a repeatable option into an array (commander's accumulator). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses `--now` as epoch seconds or ISO 8601; returns epoch seconds. */
export function parseTime(value: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.floor(Number(value));
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new InputError(`${flag}: "${value}" is neither epoch seconds nor an ISO 8601 time.`, {
      hint: 'Use e.g. 1767225600 or "2026-01-01T00:00:00Z".',
    });
  }
  return Math.floor(ms / 1000);
}

export function parseIntegerArg(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new InputError(`${flag}: "${value}" is not a whole number.`);
  return Number(value);
}

/** `--parameter KEY=VALUE` (repeatable) as a record; the value may itself contain `=`. */
export function parseParameters(pairs: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new InputError(`--parameter: "${pair}" is not KEY=VALUE.`, {
        hint: "Write e.g. --parameter Workspace=acme.",
      });
    }
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * A reader of `path` never sees half a file: a sibling temporary file is written, then renamed
 * over. Its name needs to be unique, not secret: it is created exclusively ("wx"), so a file or
 * link already there makes the write fail instead of following it (and node:crypto, costly to
 * load, stays out of a step's start-up).
 */
export function writeFileAtomically(path: string, text: string, flag: string): void {
  const unique = Math.floor(Math.random() * 2 ** 32)
    .toString(16)
    .padStart(8, "0");
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${unique}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: "wx" });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new InputError(`${flag}: cannot write ${path}: ${(err as Error).message}`);
  }
}
