import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILT_CLI, ensureBuilt, ROOT } from "../support/built-cli.js";

/**
 * The executable routes pipeline commands to dist/pipeline.cjs with the build's V8 code cache, and
 * to the full CLI whenever that cache is missing, stale or foreign. Either way the user must get
 * the same answer; `--debug` says which start-up was taken.
 */
const NO_TOKEN_ARGS = ["credentials", "--role-arn", "arn:aws:iam::111111111111:role/deploy"];
let scratch: string;

function run(cli: string, args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: scratch },
  });
  const startup = r.stderr
    .split("\n")
    .filter((l) => l.startsWith("bb-oidc: start-up:"))
    .join("\n");
  const rest = r.stderr
    .split("\n")
    .filter((l) => !l.startsWith("bb-oidc: start-up:"))
    .join("\n");
  return { status: r.status, stdout: r.stdout, startup, stderr: rest };
}

/** A private copy of dist/ whose code cache `edit` may change or remove. */
function distWith(edit: (cacheFile: string) => void): string {
  const dir = mkdtempSync(join(scratch, "dist-"));
  cpSync(join(ROOT, "dist"), dir, { recursive: true });
  edit(join(dir, "pipeline.cache"));
  return join(dir, "cli.cjs");
}

/** Rewrites the JSON header line of a code cache file, keeping its bytes. */
function editHeader(file: string, patch: Record<string, string>): void {
  const raw = readFileSync(file);
  const nl = raw.indexOf(10);
  const header = { ...JSON.parse(raw.subarray(0, nl).toString("utf8")), ...patch };
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), raw.subarray(nl + 1)]),
  );
}

beforeAll(() => {
  ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), "bb-oidc-launcher-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the bb-oidc executable", () => {
  it("starts credentials from the build's code cache", () => {
    const r = run(BUILT_CLI, ["--debug", ...NO_TOKEN_ARGS]);
    expect(r.startup).toBe("bb-oidc: start-up: code cache used");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("oidc: true");
  });

  const fallbacks: Array<[string, (cacheFile: string) => void, string]> = [
    ["no cache", (f) => rmSync(f), "no code cache; running the full CLI"],
    [
      "a cache from another build",
      (f) => editHeader(f, { bundle: "0000000000000000" }),
      "the code cache is for another build; running the full CLI",
    ],
    [
      "a cache from another V8",
      (f) => editHeader(f, { v8: "0.0.0" }),
      "the code cache is for V8 0.0.0; running the full CLI",
    ],
    [
      "a damaged cache",
      (f) => {
        const raw = readFileSync(f);
        const nl = raw.indexOf(10);
        writeFileSync(f, Buffer.concat([raw.subarray(0, nl + 1), Buffer.alloc(4096, 0x5a)]));
      },
      "V8 rejected the code cache",
    ],
  ];
  for (const [what, edit, said] of fallbacks) {
    it(`with ${what}, still answers exactly as with the cache`, () => {
      const cli = distWith(edit);
      expect(run(cli, ["--debug", ...NO_TOKEN_ARGS]).startup).toBe(`bb-oidc: start-up: ${said}`);
      // Without --debug (whose stack traces name the files that ran) the output is the same.
      const reference = run(BUILT_CLI, NO_TOKEN_ARGS);
      const r = run(cli, NO_TOKEN_ARGS);
      expect(r.startup).toBe("");
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
        status: reference.status,
        stdout: reference.stdout,
        stderr: reference.stderr,
      });
    });
  }

  it("with V8 flags in NODE_OPTIONS, says V8 rejected the cache and still answers the same", () => {
    const flagged = spawnSync(process.execPath, [BUILT_CLI, "--debug", ...NO_TOKEN_ARGS], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: scratch, NODE_OPTIONS: "--max-old-space-size=4096" },
    });
    expect(flagged.stderr).toContain("bb-oidc: start-up: V8 rejected the code cache");
    expect(flagged.status).toBe(run(BUILT_CLI, NO_TOKEN_ARGS).status);
    expect(flagged.stderr).toContain("oidc: true");
  });

  it("leaves a --debug after -- to the command exec runs", () => {
    const r = run(BUILT_CLI, [
      "exec",
      "--role-arn",
      "arn:aws:iam::111111111111:role/deploy",
      "--",
      "echo",
      "--debug",
    ]);
    expect(r.startup).toBe("");
    expect(r.stderr).toContain("oidc: true");
  });

  it("answers --version itself, as the full CLI does", () => {
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
    const full = spawnSync(process.execPath, [join(ROOT, "dist/main.mjs"), "--version"], {
      encoding: "utf8",
    });
    for (const flag of ["--version", "-V"]) {
      const r = run(BUILT_CLI, [flag]);
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: `${version}\n` });
    }
    expect(full.stdout).toBe(`${version}\n`);
  });

  it("runs every other command through the full CLI", () => {
    const r = run(BUILT_CLI, ["explain", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: bb-oidc explain/);
    expect(r.startup).toBe("");
  });

  it("gives the same help for a pipeline command either way", () => {
    const cached = run(BUILT_CLI, ["credentials", "--help"]);
    const full = run(
      distWith((f) => rmSync(f)),
      ["credentials", "--help"],
    );
    expect(cached.status).toBe(0);
    expect(cached.stdout).toBe(full.stdout);
  });
});
