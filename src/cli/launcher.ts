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
//
// The pipeline bundle keeps the AWS SDK apart, in dist/chunks/pipeline-sdk.cjs with a cache of its
// own: it is compiled only when a signed call or a diagnosis needs it (docs/decisions.md "CLI
// start-up"), through the require() this file hands the bundle.
//
// The same file is the main script of the single executable (scripts/build-sea.mjs). There the
// bundles, the caches and the full CLI (one CommonJS bundle, dist/sea/main.cjs) are assets of the
// binary instead of files beside this one.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import { tolerateClosedPipes } from "./closed-pipe.js";
import { invokedCommand } from "./invoked.js";
import { isPipelineCommand } from "./pipeline-commands.js";
import { type SeaApi, seaText, singleExecutable } from "./sea.js";

declare const __PIPELINE_BUNDLE_ID__: string;
/** Next to this file once built; a variable, so neither tsc nor esbuild tries to resolve it. */
const FULL_CLI = "./main.mjs";
/** The pipeline bundle's AWS SDK chunk, as it requires it (scripts/bundle-options.mjs). */
const SDK_CHUNK = "chunks/pipeline-sdk.cjs";

interface CacheHeader {
  bundle: string;
  v8: string;
}

/** What scripts/build-sea.mjs records about the executable it builds (asset build.json). */
interface SeaBuild {
  version: string;
  platform: string;
  node: string;
  commit?: string;
}

type BundleMain = { main(argv: readonly string[]): Promise<void> };
type Exports = Record<string, unknown>;

// Only bb-oidc's own flags: after `--`, `exec`'s command may have a --debug of its own.
const ownArgs = process.argv.includes("--")
  ? process.argv.slice(0, process.argv.indexOf("--"))
  : process.argv;
const debug = ownArgs.includes("--debug");
// Set only by the build, which runs exchanges against a stand-in STS to record the caches.
const cacheOut = process.env.BB_OIDC_WRITE_CODE_CACHE;
const sdkCacheOut = process.env.BB_OIDC_WRITE_SDK_CODE_CACHE;
const sea = singleExecutable();
tolerateClosedPipes();

// A token given inline (`--token eyJ…`, not `@file` or `-`) would sit in `ps` and
// /proc/<pid>/cmdline for as long as this process runs (`exec` runs as long as its command):
// the process title replaces the whole command line there.
const tokenAt = ownArgs.findIndex((a) => a === "--token" || a.startsWith("--token="));
if (tokenAt >= 0) {
  const value = ownArgs[tokenAt]!.startsWith("--token=")
    ? ownArgs[tokenAt]!.slice(8)
    : (ownArgs[tokenAt + 1] ?? "");
  if (!value.startsWith("@") && value !== "-") {
    process.title = `bb-oidc ${invokedCommand(process.argv) ?? ""} (arguments hidden: an inline --token)`;
  }
}

function say(line: string): void {
  if (debug) process.stderr.write(`bb-oidc: start-up: ${line}\n`);
}

function cacheBytes(s: SeaApi | undefined, name: string): Buffer | undefined {
  try {
    return s ? Buffer.from(s.getAsset(name)) : readFileSync(join(__dirname, name));
  } catch {
    return undefined;
  }
}

/** A cache's bytes when it was made for this bundle by this V8; otherwise why not. */
function readCache(name: string): Buffer | string {
  const raw = cacheBytes(sea, name);
  if (raw === undefined) return "no code cache";
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

/**
 * Compiles and runs a CommonJS bundle (`name`: pipeline.cjs, its SDK chunk, or main.cjs in the
 * executable), with `cachedData` when given; `writeCacheTo` records its cache at exit. Its file
 * name is where `--debug` looks for its source map (report-error.ts).
 */
function runBundle(
  name: string,
  cachedData: Buffer | undefined,
  writeCacheTo: string | undefined,
  label = "",
): Exports {
  const file = sea ? `sea:${name}` : join(__dirname, name);
  const source = sea ? seaText(sea, name) : readFileSync(file, "utf8");
  if (source === undefined) throw new Error(`the executable carries no ${name}`);
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: file, ...(cachedData ? { cachedData } : {}) },
  );
  if (cachedData) {
    say(`${label}${script.cachedDataRejected ? "V8 rejected the code cache" : "code cache used"}`);
  }
  if (writeCacheTo) {
    // At exit the cache holds every function this run compiled, not only the top level.
    process.once("exit", () => {
      const header: CacheHeader = { bundle: __PIPELINE_BUNDLE_ID__, v8: process.versions.v8 };
      writeFileSync(
        writeCacheTo,
        Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), script.createCachedData()]),
      );
    });
  }
  const mod = { exports: {} as Exports };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    mod.exports,
    bundleRequire,
    mod,
    file,
    sea ? process.cwd() : dirname(file),
  );
  return mod.exports;
}

let sdkChunk: Exports | undefined;

/** The SDK chunk, compiled on the first require() of it (with its cache when that fits). */
function loadSdkChunk(): Exports {
  if (sdkChunk) return sdkChunk;
  const cacheName = SDK_CHUNK.replace(/\.cjs$/, ".cache");
  const cache = sdkCacheOut ? "recording" : readCache(cacheName);
  if (typeof cache === "string" && !sdkCacheOut) say(`AWS SDK chunk: ${cache}; compiling it`);
  sdkChunk = runBundle(
    SDK_CHUNK,
    typeof cache === "string" ? undefined : cache,
    sdkCacheOut,
    "AWS SDK chunk: ",
  );
  return sdkChunk;
}

/** What the bundles get as require(): Node's, plus the SDK chunk. */
const bundleRequire = Object.assign(
  (id: string): unknown => (id === `./${SDK_CHUNK}` ? loadSdkChunk() : require(id)),
  require,
);

/** `0.1.0`, and for the single executable which build it is. */
function versionLine(): string {
  const build = sea ? seaText(sea, "build.json") : undefined;
  if (build === undefined) return __BB_OIDC_VERSION__;
  const b = JSON.parse(build) as SeaBuild;
  return `${b.version} (single executable, ${b.platform}, Node ${b.node}${b.commit ? `, commit ${b.commit}` : ""})`;
}

function mainOf(bundle: Exports): Promise<void> {
  return (bundle as unknown as BundleMain).main(process.argv);
}

async function start(): Promise<void> {
  const command = invokedCommand(process.argv);
  // `bb-oidc --version` (a common first line of a step's log) needs none of the commands.
  if (command === undefined && ownArgs.slice(2).some((a) => a === "--version" || a === "-V")) {
    process.stdout.write(`${versionLine()}\n`);
    return;
  }
  if (isPipelineCommand(command)) {
    if (cacheOut) return mainOf(runBundle("pipeline.cjs", undefined, cacheOut));
    const cache = readCache("pipeline.cache");
    // Without its cache the pipeline bundle compiles slower than the full CLI's chunks load.
    if (typeof cache !== "string") return mainOf(runBundle("pipeline.cjs", cache, undefined));
    say(`${cache}; running the full CLI`);
  }
  if (sea) return mainOf(runBundle("main.cjs", undefined, undefined));
  await import(FULL_CLI);
}

start().catch((err: unknown) => {
  // Only a broken installation gets here: every command reports its own errors.
  process.stderr.write(
    `bb-oidc: could not start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exitCode = 3;
});
