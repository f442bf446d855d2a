// Bundles the CLI and the library. The CLI is self-contained (no runtime dependencies):
//   dist/cli.cjs       the executable: a small launcher (src/cli/launcher.ts)
//   dist/main.mjs      the full CLI, plus chunks/ it loads per command, so a command reads and
//                      compiles only what it needs (one 1.6 MB file cost twice the start-up time)
//   dist/pipeline.cjs  credentials/exec/configure alone, started from a V8 code cache,
//   dist/pipeline.cache  which this script records by running one exchange (code-cache.mjs);
//   dist/chunks/pipeline-sdk.cjs  the AWS SDK clients that bundle loads only for signed calls
//                      and diagnoses, with its own cache (pipeline-sdk.cache) recorded alike
//   dist/index.mjs, dist/emulator.mjs, lib/   the library (`bb-oidc`, `bb-oidc/emulator`); its
//                      type declarations come from tsconfig.types.json (npm's prepare)
// Every bundle has a source map beside it (`--debug` maps stack frames with it; no sources inside).
// The single executable is built from these by scripts/build-sea.mjs.
import { createHash } from "node:crypto";
import { chmodSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";
import { cliCode, finishCjsBundle, SDK_CHUNK, sdkChunk, shared } from "./bundle-options.mjs";
import { recordPipelineCache } from "./code-cache.mjs";

// Bundled CommonJS dependencies (the AWS SDK) still call require(); give ES modules one.
const esm = {
  ...shared,
  format: "esm",
  outExtension: { ".js": ".mjs" },
  banner: {
    js: "import { createRequire as __bbCreateRequire } from 'node:module'; const require = __bbCreateRequire(import.meta.url);",
  },
};

const SDK_CACHE = SDK_CHUNK.replace(/\.cjs$/, ".cache");
rmSync("dist/pipeline.cache", { force: true });
rmSync(`dist/${SDK_CACHE}`, { force: true });
const [cli, lib] = await Promise.all([
  build({
    ...esm,
    ...cliCode,
    entryPoints: { main: "src/cli/main.ts" },
    outdir: "dist",
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    metafile: true,
  }),
  // The library: `bb-oidc` and `bb-oidc/emulator`, sharing chunks so both see one copy of each
  // module (one BbOidcError class, one policy engine).
  build({
    ...esm,
    // Library users map frames with their own tools; the package carries the CLI's maps only.
    sourcemap: false,
    entryPoints: { index: "src/index.ts", emulator: "src/emulator/index.ts" },
    outdir: "dist",
    splitting: true,
    chunkNames: "lib/[name]-[hash]",
    metafile: true,
  }),
  build({
    ...shared,
    ...cliCode,
    plugins: [...shared.plugins, sdkChunk],
    format: "cjs",
    entryPoints: { pipeline: "src/cli/pipeline-main.ts" },
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
  }),
  build({
    ...shared,
    ...cliCode,
    format: "cjs",
    entryPoints: { [SDK_CHUNK.replace(/\.cjs$/, "")]: "src/cli/pipeline-sdk.ts" },
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
  }),
]);

// One identity for the pipeline bundle and its SDK chunk: their caches go with both.
const bundleId = createHash("sha256")
  .update(finishCjsBundle("dist/pipeline.cjs"))
  .update(finishCjsBundle(`dist/${SDK_CHUNK}`))
  .digest("hex")
  .slice(0, 16);

await build({
  ...shared,
  format: "cjs",
  entryPoints: { cli: "src/cli/launcher.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  define: { ...shared.define, __PIPELINE_BUNDLE_ID__: JSON.stringify(bundleId) },
});
chmodSync("dist/cli.cjs", 0o755);

// Chunks and entries of earlier builds: same-content chunks keep their names, so only stale go.
const current = new Set([
  ...[cli, lib]
    .flatMap((b) => Object.keys(b.metafile.outputs))
    .map((p) => p.replace(/^dist\//, "")),
  SDK_CHUNK,
  `${SDK_CHUNK}.map`,
]);
for (const dir of ["chunks", "lib"]) {
  for (const f of readdirSync(`dist/${dir}`)) {
    if (!current.has(`${dir}/${f}`)) rmSync(`dist/${dir}/${f}`, { force: true });
  }
}
// The full CLI's entry was dist/cli.mjs before the launcher existed.
rmSync("dist/cli.mjs", { force: true });

await recordPipelineCache("dist");
