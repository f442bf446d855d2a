// Writes docs/commands.md from the CLI's own --help, so the reference cannot drift from the code.
// `node scripts/gen-command-reference.mjs --check` fails when the file is out of date (a test runs it).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = `${root}dist/cli.cjs`;
const help = (...args) =>
  execFileSync(process.execPath, [cli, ...args, "--help"], {
    encoding: "utf8",
    env: {
      ...process.env,
      COLUMNS: "100",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  }).trimEnd();

const top = help();
const commands = [...top.matchAll(/^ {2}([a-z][\w-]*)(?: \[options\]| <[^>]+>)*/gm)]
  .map((m) => m[1])
  .filter((c) => c !== "help");
const sections = [
  "# Command reference",
  "",
  "Generated from `bb-oidc --help` by `scripts/gen-command-reference.mjs`; do not edit by hand.",
  "",
  "```",
  top,
  "```",
];
for (const c of commands) {
  sections.push("", `## bb-oidc ${c}`, "", "```", help(c), "```");
  const sub = help(c);
  for (const m of sub.matchAll(/^Commands:\n((?: {2}.*\n?)+)/gm)) {
    for (const s of m[1].matchAll(/^ {2}([a-z][\w-]*)/gm)) {
      if (s[1] === "help") continue;
      sections.push("", `### bb-oidc ${c} ${s[1]}`, "", "```", help(c, s[1]), "```");
    }
  }
}
const text = `${sections.join("\n")}\n`;
const target = `${root}docs/commands.md`;
if (process.argv.includes("--check")) {
  const current = readFileSync(target, "utf8");
  if (current !== text) {
    process.stderr.write(
      "docs/commands.md is out of date: run node scripts/gen-command-reference.mjs\n",
    );
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
