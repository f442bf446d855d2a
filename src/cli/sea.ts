/**
 * The single executable (Node's single executable applications, scripts/build-sea.mjs): the
 * bundles travel inside the binary as assets instead of files next to the launcher.
 */
export type SeaApi = typeof import("node:sea");

/** Node's `node:sea` when this process is the single executable; undefined otherwise. */
export function singleExecutable(): SeaApi | undefined {
  try {
    // `require`: Node 20 before 20.12 has no node:sea at all; tests run the source as ESM.
    const sea = require("node:sea") as SeaApi;
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined;
  }
}

/** An asset's text, or undefined when the executable carries no such asset. */
export function seaText(sea: SeaApi, name: string): string | undefined {
  try {
    return sea.getAsset(name, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * How to start this very CLI again as a child process: `node cli.cjs …` for the package, the
 * executable alone for the single executable (whose argv[1] is not a script).
 */
export function selfCommand(): { command: string; prefix: string[] } {
  return singleExecutable()
    ? { command: process.execPath, prefix: [] }
    : { command: process.execPath, prefix: [process.argv[1]!] };
}
