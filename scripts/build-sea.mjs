// Builds the single executable: `npm run build:sea` → release/bb-oidc-<version>-<os>-<arch> and
// its .sha256 (the `sha256sum -c` format). Node's single executable applications: a copy of the
// Node binary running this script, with a blob injected by the pinned `postject` (Node 20 has no
// built-in injector). The binary runs on machines with the same OS and CPU as this one; building
// on linux-arm64 gives the linux-arm64 executable (README: "Single executable").
//
// Inside: the launcher (dist/cli.cjs) is the main script; the pipeline bundle and its AWS SDK
// chunk, their V8 code caches (valid: the executable *is* this Node), the full CLI as one
// CommonJS bundle and the source maps are assets. Usage: node scripts/build-sea.mjs [--out DIR] (after scripts/build.mjs).
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { inject } from "postject";
import { cliCode, finishCjsBundle, SDK_CHUNK, shared, version } from "./bundle-options.mjs";

// The fuse Node's binaries carry for single executables (Node's documentation).
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
const root = resolve(new URL("..", import.meta.url).pathname);
const { values } = parseArgs({ options: { out: { type: "string", default: "release" } } });
const out = resolve(root, values.out);
const started = Date.now();

for (const f of ["cli.cjs", "pipeline.cjs", "pipeline.cjs.map", "pipeline.cache", SDK_CHUNK]) {
  if (!existsSync(join(root, "dist", f))) {
    throw new Error(`dist/${f} is missing: run \`npm run build\` first (npm run build:sea does).`);
  }
}
const nodeBinary = readFileSync(process.execPath);
if (!nodeBinary.includes(FUSE)) {
  throw new Error(
    `${process.execPath} has no single-executable fuse: build with an official Node.js 20 binary.`,
  );
}

// Outside dist/ (nothing of it belongs in the npm package), and one per run.
const work = mkdtempSync(join(tmpdir(), "bb-oidc-sea-"));
// The full CLI as one CommonJS file: an executable has no files to load chunks from.
await build({
  ...shared,
  ...cliCode,
  format: "cjs",
  entryPoints: { main: "src/cli/full-main.ts" },
  outdir: work,
  outExtension: { ".js": ".cjs" },
  absWorkingDir: root,
});
finishCjsBundle(join(work, "main.cjs"));

const commit = gitCommit();
const target = `${process.platform}-${process.arch}`;
const buildInfo = {
  version,
  platform: target,
  node: process.version,
  ...(commit ? { commit } : {}),
};
writeFileSync(join(work, "build.json"), `${JSON.stringify(buildInfo)}\n`);
// V8 accepts a hashbang only at the very start of a file; the executable's main is wrapped.
writeFileSync(
  join(work, "launcher.cjs"),
  readFileSync(join(root, "dist", "cli.cjs"), "utf8").replace(/^#!.*\n/, ""),
);

const dist = (f) => join(root, "dist", f);
const SDK_CACHE = SDK_CHUNK.replace(/\.cjs$/, ".cache");
const config = {
  main: join(work, "launcher.cjs"),
  output: join(work, "sea.blob"),
  disableExperimentalSEAWarning: true,
  // The launcher is small; its cache saves little but costs nothing. The bundles it runs carry
  // their own cache (pipeline.cache), which a snapshot cannot replace on Node 20: its snapshot
  // builder does not support https, child_process or vm (docs/decisions.md).
  useCodeCache: true,
  useSnapshot: false,
  assets: {
    "pipeline.cjs": dist("pipeline.cjs"),
    "pipeline.cjs.map": dist("pipeline.cjs.map"),
    "pipeline.cache": dist("pipeline.cache"),
    [SDK_CHUNK]: dist(SDK_CHUNK),
    [`${SDK_CHUNK}.map`]: dist(`${SDK_CHUNK}.map`),
    // Optional like the pipeline's: without it the chunk compiles from its text.
    ...(existsSync(dist(SDK_CACHE)) ? { [SDK_CACHE]: dist(SDK_CACHE) } : {}),
    "main.cjs": join(work, "main.cjs"),
    "main.cjs.map": join(work, "main.cjs.map"),
    "build.json": join(work, "build.json"),
  },
};
writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2));
execFileSync(process.execPath, ["--experimental-sea-config", join(work, "sea-config.json")], {
  stdio: ["ignore", "ignore", "inherit"],
});

mkdirSync(out, { recursive: true });
const name = `bb-oidc-${version}-${target}`;
const exe = join(out, name);
rmSync(exe, { force: true });
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
// Node's own debug symbols are an eighth of the binary and serve no user; strip keeps the code.
const stripped = process.platform === "linux" && spawnSync("strip", [exe]).status === 0;
await inject(exe, "NODE_SEA_BLOB", readFileSync(config.output), { sentinelFuse: FUSE });

// The executable must answer before its checksum is published.
const probe = spawnSync(exe, ["--version"], { encoding: "utf8", env: { PATH: "" } });
if (probe.status !== 0 || !probe.stdout.startsWith(`${version} (single executable`)) {
  throw new Error(`the built executable does not start: ${probe.stderr || probe.stdout}`);
}
const digest = createHash("sha256").update(readFileSync(exe)).digest("hex");
writeFileSync(`${exe}.sha256`, `${digest}  ${basename(exe)}\n`);
rmSync(work, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ executable: exe, sha256: digest, version: probe.stdout.trim(), bytes: statSync(exe).size, stripped, seconds: (Date.now() - started) / 1000 })}\n`,
);

function gitCommit() {
  const r = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: root, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
