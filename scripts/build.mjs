// Bundles the CLI into one ESM file so a pipeline's `npx` fetch and start-up stay small.
import { readFileSync } from "node:fs";
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

await Promise.all([
  build({
    ...shared,
    entryPoints: { cli: "src/cli/main.ts" },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
    minifySyntax: true,
  }),
  build({
    ...shared,
    entryPoints: { index: "src/index.ts" },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
  }),
]);
