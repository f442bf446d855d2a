// Bundles the CLI and the library. The CLI is self-contained (no runtime dependencies): an entry
// file plus chunks it loads per command, so a pipeline step running `credentials` reads and
// compiles only what that command needs (one 1.6 MB file cost twice the start-up time).
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

const shared = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
  define: { __BB_OIDC_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies (the AWS SDK) still call require(); give them one.
  banner: {
    js: "import { createRequire as __bbCreateRequire } from 'node:module'; const require = __bbCreateRequire(import.meta.url);",
  },
};

const [cli] = await Promise.all([
  build({
    ...shared,
    entryPoints: { cli: "src/cli/main.ts" },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    // Less text for V8 to read and compile at every start.
    minify: true,
    metafile: true,
    // The SDK's ES-module builds tree-shake; its CommonJS builds come whole.
    mainFields: ["module", "main"],
  }),
  build({
    ...shared,
    entryPoints: { index: "src/index.ts" },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
  }),
]);

// Chunks of earlier builds: same-content chunks keep their names, so only stale ones go.
const current = new Set(Object.keys(cli.metafile.outputs).map((p) => p.replace(/^dist\//, "")));
for (const f of readdirSync("dist/chunks")) {
  if (!current.has(`chunks/${f}`)) rmSync(`dist/chunks/${f}`, { force: true });
}
