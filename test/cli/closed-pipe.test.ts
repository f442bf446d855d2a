/**
 * `bb-oidc … | head -1`: the reader closes the pipe after its first line. The command must not
 * crash with an EPIPE stack trace; it finishes and exits with its own code.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILT_CLI, ensureBuilt } from "../support/built-cli.js";

let dir: string;
let config: string;

/** Enough roles that the output is many times a pipe's 64 KiB buffer. */
function manyRoles(n: number): string {
  const roles = Array.from(
    { length: n },
    (_, i) => `  - name: app-${i}
    accounts: ["${111111111111 + (i % 2)}"]
    repositories: ["{00000000-0000-4000-8000-${String(i).padStart(12, "0")}}"]
    managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
`,
  );
  return `workspace:
  slug: pipes
  uuid: "{7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b}"
provider:
  create: true
roles:
${roles.join("")}`;
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-pipe-"));
  config = join(dir, "bb-oidc.yaml");
  writeFileSync(config, manyRoles(200));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI, reads its first chunk of stdout, closes the pipe; its exit code and stderr. */
function readFirstChunkOnly(
  args: string[],
): Promise<{ code: number | null; stderr: string; first: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let first = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdout.once("data", (d) => {
      first = String(d);
      child.stdout.destroy();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr, first }));
  });
}

describe("a reader that closes the pipe early", () => {
  it("in a shell pipeline into head -1 (pipefail): one line out, the command's exit code 0", () => {
    const r = spawnSync(
      "bash",
      [
        "-c",
        'set -o pipefail; "$0" "$1" who-can --config "$2" | head -1',
        process.execPath,
        BUILT_CLI,
        config,
      ],
      { encoding: "utf8" },
    );
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(r.status).toBe(0);
  });

  for (const args of [
    ["template", "--config"],
    ["who-can", "--config"],
    ["who-can", "--format", "json", "--config"],
  ]) {
    it(`bb-oidc ${args.join(" ")} … | head: no crash, the command's own exit code`, async () => {
      const r = await readFirstChunkOnly([...args, config]);
      expect(r.first.length).toBeGreaterThan(0);
      expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error' event|\n\s+at /);
      expect(r.code).toBe(0);
    });
  }
});
