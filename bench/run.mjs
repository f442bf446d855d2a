// Runs every benchmark and prints one JSON document. Each figure is a ratio against a baseline
// measured in the same run, so the targets hold on any machine.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
if (!existsSync(`${root}dist/index.mjs`))
  spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });

const only = process.argv.slice(2);
const suites = [
  "decision.mjs",
  "policy-eval.mjs",
  "emulator-sts.mjs",
  "emulator-hostile.mjs",
  "cli-start.mjs",
  "provision.mjs",
  "stackset.mjs",
  "deploy-scale.mjs",
  "audit.mjs",
].filter(
  (f) =>
    existsSync(`${root}bench/${f}`) && (only.length === 0 || only.some((o) => f.startsWith(o))),
);

const results = [];
for (const file of suites) {
  // A fresh process per suite: one suite's heap and JIT state must not colour another's.
  const r = spawnSync(process.execPath, ["--expose-gc", `bench/${file}`], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    results.push({
      suite: file,
      error: (r.stderr || r.stdout || "").trim().split("\n").slice(-5).join("\n"),
    });
    continue;
  }
  const lines = r.stdout.trim().split("\n");
  results.push(...lines.filter(Boolean).map((l) => JSON.parse(l)));
}
const failed = results.filter((r) => r.error || r.meetsTarget === false);
process.stdout.write(
  `${JSON.stringify({ node: process.version, cpus: (await import("node:os")).cpus().length, results }, null, 2)}\n`,
);
process.exitCode = failed.length ? 1 : 0;
