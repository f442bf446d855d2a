import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

/** `bb-oidc emulator` as a user runs it: the built CLI (npm test builds it first). */
const CLI = join(process.cwd(), "dist", "cli.cjs");
const run = promisify(execFile);
const built = existsSync(CLI);

let child: ChildProcess;
let ready: { awsEndpoint: string; bitbucketEndpoint: string; caFile: string; stateDir: string };
let stateDir: string;

describe.skipIf(!built)("bb-oidc emulator (CLI)", () => {
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "bb-oidc-emu-cli-"));
    child = spawn(
      process.execPath,
      [CLI, "emulator", "--aws-port", "0", "--bitbucket-port", "0", "--state", stateDir, "--json"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`emulator exited ${code}`)));
    });
    ready = JSON.parse(line);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  test("prints one JSON line when ready", () => {
    expect(ready).toMatchObject({
      awsEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      bitbucketEndpoint: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
      caFile: join(stateDir, "ca-root.pem"),
      stateDir,
    });
  });

  test("mint prints a JWT; rotate-keys reports the new key", async () => {
    const common = [
      "--endpoint",
      ready.bitbucketEndpoint,
      "--ca-file",
      ready.caFile,
      "--workspace",
      "acme",
    ];
    const mint = await run(process.execPath, [
      CLI,
      "emulator",
      "mint",
      ...common,
      "--repository-uuid",
      "{5d2f3a1e-7c4b-4e8a-9f1d-3b6a2c8e4f70}",
    ]);
    expect(mint.stdout.trim()).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
    const rotate = await run(process.execPath, [CLI, "emulator", "rotate-keys", ...common]);
    expect(JSON.parse(rotate.stdout)).toMatchObject({ workspace: "acme", kid: expect.any(String) });
  });

  test("bad input exits 2 without a stack trace", async () => {
    const err = await run(process.execPath, [
      CLI,
      "emulator",
      "mint",
      "--endpoint",
      ready.bitbucketEndpoint,
      "--ca-file",
      ready.caFile,
      "--workspace",
      "acme",
      "--repository-uuid",
      "not-a-uuid",
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/^bb-oidc: /);
    expect(err?.stderr).not.toContain("    at ");
  });

  test("mint without --endpoint, for an emulator on other ports, says to pass --endpoint", async () => {
    const err = await run(process.execPath, [
      CLI,
      "emulator",
      "mint",
      "--state",
      stateDir,
      "--endpoint",
      // Nothing listens on port 9 of loopback (discard): what the default port is when the
      // emulator was started with --bitbucket-port 0.
      "https://127.0.0.1:9",
      "--workspace",
      "acme",
      "--repository-uuid",
      "{5d2f3a1e-7c4b-4e8a-9f1d-3b6a2c8e4f70}",
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBeGreaterThan(0);
    expect(err?.stderr).toContain("cannot reach the emulator at https://127.0.0.1:9");
    expect(err?.stderr).toContain("--endpoint <the bitbucketEndpoint its ready line printed>");
    expect(err?.stderr).not.toContain("--ca-file its root certificate");
  });

  test("SIGTERM shuts it down cleanly", async () => {
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(0);
  });
});
