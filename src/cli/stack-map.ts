import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { basename } from "node:path";
import { seaText, singleExecutable } from "./sea.js";

/**
 * `--debug`'s stack frames in terms of the source (src/…ts:line:col), read from the source maps
 * the build ships beside each bundle (inside the single executable, as assets). Frames without a
 * map stay as they are. Runs only when an error is printed with --debug.
 */
const maps = new Map<string, SourceMap | undefined>();

function mapFor(file: string): SourceMap | undefined {
  if (maps.has(file)) return maps.get(file);
  let text: string | undefined;
  if (file.startsWith("sea:")) {
    const sea = singleExecutable();
    text = sea ? seaText(sea, `${file.slice(4)}.map`) : undefined;
  } else {
    try {
      text = readFileSync(`${file}.map`, "utf8");
    } catch {
      text = undefined;
    }
  }
  let map: SourceMap | undefined;
  try {
    map = text ? new SourceMap(JSON.parse(text)) : undefined;
  } catch {
    map = undefined;
  }
  maps.set(file, map);
  return map;
}

/** `    at fn (file:line:col)` / `    at file:line:col` → the same frame, mapped where possible. */
export function mapStackFrames(frames: readonly string[]): string[] {
  return frames.map((line) => {
    const m = /^(\s*at )(?:(.*?) \()?((?:file:\/\/)?[^()]+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) return line;
    const [, at, fn, rawFile, l, c] = m;
    const file = rawFile!.replace(/^file:\/\//, "");
    const map = /\.(?:c|m)?js$/.test(file) ? mapFor(file) : undefined;
    const entry = map?.findEntry(Number(l) - 1, Number(c) - 1) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string }
      | undefined;
    if (!entry?.originalSource) return line;
    const source = entry.originalSource.replace(/^(?:\.\.\/)+/, "");
    const name = entry.name ?? fn ?? "";
    const where = `${source}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
    return `${at}${name ? `${name} (${where})` : where}  [${basename(file)}]`;
  });
}
