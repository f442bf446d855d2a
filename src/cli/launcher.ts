#!/usr/bin/env node
// The `bb-oidc` executable. A pipeline step's `credentials`/`exec`/`configure` start from
// dist/pipeline.cjs with a V8 code cache; everything else (and those too when no usable cache is
// there) runs the full CLI, dist/main.mjs, whose commands load from chunks as they run.
//
// Why: most of a cold `credentials` is V8 parsing and compiling the AWS SDK, and Node 20 offers
// ES modules no code cache. A CommonJS-style script compiled with `vm.Script` can take one. The
// cache is made by the build (scripts/build.mjs) on this machine's Node; V8 checks its version and
// flags, and the header below ties it to the exact bundle, so a stale or foreign cache is never
// used, only skipped.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Script } from "node:vm";
import { invokedCommand } from "./invoked.js";
import { isPipelineCommand } from "./pipeline-commands.js";

declare const __PIPELINE_BUNDLE_ID__: string;
/** Next to this file once built; a variable, so neither tsc nor esbuild tries to resolve it. */
const FULL_CLI = "./main.mjs";

interface CacheHeader {
  bundle: string;
  v8: string;
}

// Only bb-oidc's own flags: after `--`, `exec`'s command may have a --debug of its own.
const ownArgs = process.argv.includes("--")
  ? process.argv.slice(0, process.argv.indexOf("--"))
  : process.argv;
const debug = ownArgs.includes("--debug");
// Set only by the build, which runs one exchange against a stand-in STS to record the cache.
const cacheOut = process.env.BB_OIDC_WRITE_CODE_CACHE;

function say(line: string): void {
  if (debug) process.stderr.write(`bb-oidc: start-up: ${line}\n`);
}

/** The cache's bytes when it was made for this bundle by this V8; otherwise why not. */
function readCache(path: string): Buffer | string {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch {
    return "no code cache";
  }
  const nl = raw.indexOf(10);
  let header: CacheHeader;
  try {
    header = JSON.parse(raw.subarray(0, nl).toString("utf8")) as CacheHeader;
  } catch {
    return "the code cache has no header";
  }
  if (header.bundle !== __PIPELINE_BUNDLE_ID__) return "the code cache is for another build";
  if (header.v8 !== process.versions.v8) return `the code cache is for V8 ${header.v8}`;
  return raw.subarray(nl + 1);
}

function runPipelineBundle(cachedData: Buffer | undefined): Promise<void> {
  const file = join(__dirname, "pipeline.cjs");
  const source = readFileSync(file, "utf8");
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: file, ...(cachedData ? { cachedData } : {}) },
  );
  if (cachedData) say(script.cachedDataRejected ? "V8 rejected the code cache" : "code cache used");
  if (cacheOut) {
    // At exit the cache holds every function this run compiled, not only the top level.
    process.once("exit", () => {
      const header: CacheHeader = { bundle: __PIPELINE_BUNDLE_ID__, v8: process.versions.v8 };
      writeFileSync(
        cacheOut,
        Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), script.createCachedData()]),
      );
    });
  }
  const mod = { exports: {} as { main(argv: readonly string[]): Promise<void> } };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    mod.exports,
    require,
    mod,
    file,
    __dirname,
  );
  return mod.exports.main(process.argv);
}

async function start(): Promise<void> {
  const command = invokedCommand(process.argv);
  // `bb-oidc --version` (a common first line of a step's log) needs none of the commands.
  if (command === undefined && ownArgs.slice(2).some((a) => a === "--version" || a === "-V")) {
    process.stdout.write(`${__BB_OIDC_VERSION__}\n`);
    return;
  }
  if (isPipelineCommand(command)) {
    if (cacheOut) return runPipelineBundle(undefined);
    const cache = readCache(join(__dirname, "pipeline.cache"));
    // Without its cache the pipeline bundle compiles slower than the full CLI's chunks load.
    if (typeof cache !== "string") return runPipelineBundle(cache);
    say(`${cache}; running the full CLI`);
  }
  await import(FULL_CLI);
}

start().catch((err: unknown) => {
  // Only a broken installation gets here: every command reports its own errors.
  process.stderr.write(
    `bb-oidc: could not start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exitCode = 3;
});
