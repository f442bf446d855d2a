// Summarises a V8 .cpuprofile (node --cpu-prof): self and inclusive time per function, as a share
// of the busy (non-idle) time. `node bench/emulator/profile-summary.mjs <file.cpuprofile> [top]`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The CLI as scripts/build.mjs bundles it, but in one unminified file: function names survive and
 * esbuild's `// src/...` comments mark each module, so a profile maps back to the sources.
 */
export async function bundleForProfile(root, outfile) {
  const { build } = await import("esbuild");
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  await build({
    entryPoints: [join(root, "src/cli/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    logLevel: "warning",
    define: { __BB_OIDC_VERSION__: JSON.stringify(pkg.version) },
    banner: {
      js: "import { createRequire as __bbCreateRequire } from 'node:module'; const require = __bbCreateRequire(import.meta.url);",
    },
  });
}

/**
 * esbuild marks where each bundled module starts with a `// path` comment line; a profile's line
 * numbers in a bundle map back to the module they came from.
 */
function bundleModules(url) {
  let text;
  try {
    text = readFileSync(fileURLToPath(url), "utf8");
  } catch {
    return undefined;
  }
  const starts = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:src|node_modules)\/\S+\.(?:ts|js|mjs|cjs|json))$/.exec(lines[i]);
    if (m) starts.push([i, m[1]]);
  }
  return starts.length > 0 ? starts : undefined;
}

function moduleAt(starts, line) {
  let lo = 0;
  let hi = starts.length - 1;
  let found = "(bundle prelude)";
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid][0] <= line) {
      found = starts[mid][1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export function summariseProfile(profile, top = 40) {
  const bundles = new Map();
  const fileOf = (frame) => {
    if (!frame.url) return "(native)";
    if (frame.url.startsWith("node:")) return frame.url;
    if (!frame.url.startsWith("file:")) return frame.url;
    if (!bundles.has(frame.url)) bundles.set(frame.url, bundleModules(frame.url));
    const starts = bundles.get(frame.url);
    return starts ? moduleAt(starts, frame.lineNumber) : frame.url.replace(/^.*\//, "");
  };
  const keyOf = (frame) => {
    const name = frame.functionName || "(anonymous)";
    return frame.url ? `${name} (${fileOf(frame)})` : name;
  };
  const byModule = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]);
    total += dt;
    if (node.callFrame.functionName === "(idle)") {
      idle += dt;
      continue;
    }
    const k = keyOf(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + dt);
    const mod = fileOf(node.callFrame);
    byModule.set(mod, (byModule.get(mod) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const key = keyOf(byId.get(id).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  const busy = total - idle;
  const pct = (v) => `${((v / busy) * 100).toFixed(1).padStart(5)}%`;
  const table = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `  ${pct(v)}  ${k}`)
      .join("\n");
  return [
    `profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)}%)`,
    "self time (share of busy):",
    table(self),
    "self time by module (share of busy):",
    table(byModule),
    "inclusive time (share of busy):",
    table(new Map([...inclusive].filter(([k]) => k !== "(root)"))),
    "",
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: profile-summary.mjs <file.cpuprofile> [top]");
  process.stdout.write(
    summariseProfile(JSON.parse(readFileSync(file, "utf8")), Number(process.argv[3] ?? 40)),
  );
}
