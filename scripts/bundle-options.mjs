// esbuild settings shared by scripts/build.mjs (the package) and scripts/build-sea.mjs (the single
// executable), and the finishing step every CommonJS bundle run through vm.Script needs.
import { readFileSync, writeFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

export const version = pkg.version;

/**
 * Modules replaced in every bundle. `debug` (used by the proxy agents) prints whatever its DEBUG
 * variable asks for, the proxy's URL with its password included; bb-oidc's own --debug says which
 * proxy a call used instead. Negotiate (Kerberos) proxy authentication needs a native module
 * bb-oidc does not ship; the stub says so if it is ever asked for.
 */
const STUBS = {
  debug:
    "module.exports = function createDebug() { const d = function () {}; d.enabled = false; d.extend = createDebug; return d; };",
  "proxy-agent-negotiate":
    "export function createNegotiateAuth() { throw new Error('Negotiate (Kerberos) proxy authentication is not supported by bb-oidc'); }",
};

const stubs = {
  name: "bb-oidc-stubs",
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(STUBS).join("|")})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: "bb-oidc-stub" }));
    b.onLoad({ filter: /.*/, namespace: "bb-oidc-stub" }, (args) => ({
      contents: STUBS[args.path],
      loader: "js",
    }));
  },
};

export const shared = {
  plugins: [stubs],
  bundle: true,
  platform: "node",
  target: "node20",
  // Positions only: `--debug` maps frames to file and line; the sources stay out of the package.
  sourcemap: "linked",
  sourcesContent: false,
  legalComments: "none",
  logLevel: "warning",
  define: { __BB_OIDC_VERSION__: JSON.stringify(pkg.version) },
};

/**
 * dist/pipeline.cjs keeps the AWS SDK out of its own text: `@aws-sdk/client-sts` and
 * `@aws-sdk/client-iam` become the clients of the chunk SDK_CHUNK (src/cli/pipeline-sdk.ts),
 * required only when a module that imports them first runs (they are all imported lazily). The
 * launcher serves that require() (src/cli/launcher.ts).
 */
export const SDK_CHUNK = "chunks/pipeline-sdk.cjs";
export const sdkChunk = {
  name: "bb-oidc-sdk-chunk",
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/client-(sts|iam)$/ }, (args) => ({
      path: args.path.slice("@aws-sdk/client-".length),
      namespace: "bb-oidc-sdk-chunk",
    }));
    b.onLoad({ filter: /.*/, namespace: "bb-oidc-sdk-chunk" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`./${SDK_CHUNK}`)}).clients.${args.path};`,
      loader: "js",
    }));
    b.onResolve({ filter: /^\.\/chunks\/pipeline-sdk\.cjs$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

export const cliCode = {
  // Less text for V8 to read and compile at every start.
  minify: true,
  // The SDK's ES-module builds tree-shake; its CommonJS builds come whole.
  mainFields: ["module", "main"],
};

/**
 * vm.Script code has no ES-module loader behind import(); the bundled code only imports Node
 * built-ins that way, and require() gives the same objects. Rewrites `file` and returns its text.
 */
export function finishCjsBundle(file) {
  const text = readFileSync(file, "utf8").replace(
    /\bimport\((["'])(node:[a-z_/]+)\1\)/g,
    "Promise.resolve().then(()=>require($1$2$1))",
  );
  const leftover = /\bimport\((["'`])(?!node:)/.exec(text);
  if (leftover) {
    throw new Error(
      `${file} still has a dynamic import near: ${text.slice(leftover.index, leftover.index + 80)}`,
    );
  }
  writeFileSync(file, text);
  return text;
}
