import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILT_CLI, ensureBuilt, ROOT } from "../support/built-cli.js";

/**
 * What the README and the examples tell a user to type works: every bb-oidc command line in
 * them uses flags the command has, and the explain examples give the answers they promise.
 */
const help = new Map<string, string>();

function helpOf(command: string): string {
  if (!help.has(command)) {
    const r = spawnSync(process.execPath, [BUILT_CLI, command, "--help"], { encoding: "utf8" });
    help.set(command, r.status === 0 ? r.stdout : "");
  }
  return help.get(command)!;
}

/** `bb-oidc CMD …` lines in code blocks, YAML continuation lines joined. */
function commandLines(markdown: string): { command: string; flags: string[]; line: string }[] {
  const out: { command: string; flags: string[]; line: string }[] = [];
  const blocks = markdown.match(/```([a-z]*)\n[\s\S]*?```/g) ?? [];
  for (const block of blocks) {
    const yaml = block.startsWith("```yaml");
    const lines = block
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .slice(1, -1);
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      // A YAML plain scalar continues on more-indented lines that are not list items.
      const indent = line.search(/\S/);
      while (
        yaml &&
        i + 1 < lines.length &&
        lines[i + 1]!.search(/\S/) > indent &&
        !/^\s*-/.test(lines[i + 1]!)
      ) {
        line += ` ${lines[++i]!.trim()}`;
      }
      const m = /\bbb-oidc(?:@[\d.]+)? ([a-z][a-z-]+)(.*)$/.exec(line);
      if (!m || m[1] === "emulator") continue;
      const own = m[2]!.split(" -- ")[0]!;
      out.push({
        command: m[1]!,
        flags: [...own.matchAll(/(?<=\s)--[a-z][a-z-]*/g)].map((f) => f[0]),
        line,
      });
    }
  }
  return out;
}

beforeAll(() => ensureBuilt());

describe("the README's and examples' command lines", () => {
  for (const doc of ["README.md", "examples/explain/README.md"]) {
    it(`${doc}: every flag exists on its command`, () => {
      const lines = commandLines(readFileSync(join(ROOT, doc), "utf8"));
      expect(lines.length).toBeGreaterThan(0);
      const unknown = lines.flatMap(({ command, flags, line }) =>
        flags
          .filter((f) => !helpOf(command).includes(`${f} `) && !helpOf(command).includes(`${f}\n`))
          .map((f) => `${command} ${f} in: ${line.trim()}`),
      );
      expect(unknown).toEqual([]);
    });
  }

  it("README's snippets never run an unpinned `npx bb-oidc` (a stranger's package, or npm's 404, outside the checkout)", () => {
    const blocks = readFileSync(join(ROOT, "README.md"), "utf8").match(/```[a-z]*\n[\s\S]*?```/g)!;
    const unpinned = blocks
      .flatMap((b) => b.split("\n"))
      .filter((l) => /\bnpx\b(?: --[a-z-]+)* bb-oidc(?!@\d+\.\d+\.\d+)\b/.test(l));
    expect(unpinned).toEqual([]);
  });

  it("the options README lists for credentials and exec are theirs, --format/--profile credentials' only", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("Options of `credentials` and `exec`"),
      readme.indexOf("Retries:"),
    );
    const [shared, own] = section.split("- `credentials` only:");
    const flags = (t: string) => [...new Set([...t.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]))];
    for (const f of flags(shared!)) {
      expect(helpOf("credentials"), f).toContain(f);
      expect(helpOf("exec"), f).toContain(f);
    }
    expect(flags(own!)).toEqual(["--format", "--profile"]);
    for (const f of flags(own!)) {
      expect(helpOf("credentials")).toContain(f);
      expect(helpOf("exec")).not.toContain(`${f} `);
    }
  });

  it("the explain examples answer as they say, on the date their claims were made", () => {
    const text = readFileSync(join(ROOT, "examples/explain/README.md"), "utf8");
    const runs = [
      ...text.matchAll(
        /# (ALLOW|DENY) \(exit (\d)\)[^\n]*\n(bb-oidc explain[\s\S]*?)\n(?:\n|```)/g,
      ),
    ];
    expect(runs.map((r) => r[1])).toEqual(["ALLOW", "DENY"]);
    for (const [, verdict, exit, command] of runs) {
      const args = command!
        .replace(/\\\n\s*/g, " ")
        .split(/\s+/)
        .slice(1)
        .filter(Boolean);
      const r = spawnSync(process.execPath, [BUILT_CLI, ...args], { cwd: ROOT, encoding: "utf8" });
      expect(r.stdout.startsWith(verdict!), r.stdout + r.stderr).toBe(true);
      expect(r.status).toBe(Number(exit));
    }
  });

  it("every flag a hint or message of the source tells the user to pass exists", () => {
    const reference = readFileSync(join(ROOT, "docs/commands.md"), "utf8");
    const files = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith(".ts") && !f.startsWith("emulator/"),
    );
    const missing: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(ROOT, "src", f), "utf8");
      for (const hint of text.matchAll(/hint:\s*[`"]([^`"]*)[`"]/g)) {
        for (const flag of hint[1]!.matchAll(/(?<![\w-])--[a-z][a-z-]+/g)) {
          if (!reference.includes(`  ${flag[0]} `) && !reference.includes(`  ${flag[0]}\n`)) {
            missing.push(`${f}: ${flag[0]}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
