/**
 * Process mishaps, as a user's script meets them: a port already taken, stopping an emulator by
 * its state directory, the npm wrapper killed instead of the emulator, and the explicit reset
 * that is the only way state is ever discarded.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanUp, prepareCli, runToExit, startEmulator, tempDir } from "../durability/helpers.js";

let cli: string;

beforeAll(async () => {
  cli = await prepareCli();
}, 120_000);

afterAll(cleanUp);

/** Runs a bb-oidc subcommand to its end. */
function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

describe("a port in use", () => {
  it("ends the start at once with exit 4, naming the port and its flag, creating nothing", async () => {
    const first = await startEmulator(cli, await tempDir("bb-oidc-port-"));
    const awsPort = new URL(first.ready.awsEndpoint).port;
    const bitbucketPort = new URL(first.ready.bitbucketEndpoint).port;
    const parent = await tempDir("bb-oidc-port-");
    const state = join(parent, "state");

    const aws = run(["emulator", "--aws-port", awsPort, "--bitbucket-port", "0", "--state", state]);
    expect(aws.code).toBe(4);
    expect(aws.stdout).toBe("");
    expect(aws.stderr).toContain(`The AWS port ${awsPort} on 127.0.0.1 is already in use`);
    expect(aws.stderr).toContain("--aws-port");
    expect(aws.stderr).toContain("bb-oidc emulator stop --state");
    expect(aws.stderr).not.toMatch(/EADDRINUSE|unexpected error|^\s+at /m);
    // The whole process, node's start included; a stall (the old behaviour) never ends.
    expect(aws.ms).toBeLessThan(5000);
    expect(existsSync(state)).toBe(false);

    const bb = run(["emulator", "--aws-port", "0", "--bitbucket-port", bitbucketPort, "--json"]);
    expect(bb.code).toBe(4);
    expect(bb.stderr).toContain(`The Bitbucket port ${bitbucketPort}`);
    expect(bb.stderr).toContain("--bitbucket-port");
    await first.kill();
  }, 60_000);
});

describe("stop", () => {
  it("stops the emulator named by <state>/emulator.pid and leaves nothing behind", async () => {
    const state = await tempDir("bb-oidc-stop-");
    const emu = await startEmulator(cli, state);
    const pid = Number((await readFile(join(state, "emulator.pid"), "utf8")).trim());
    expect(pid).toBe(emu.child.pid);
    const exited = new Promise<number | null>((r) => emu.child.once("exit", (code) => r(code)));

    const stop = run(["emulator", "stop", "--state", state]);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain(`stopped (pid ${pid}); state saved`);
    expect(await exited).toBe(0);
    expect(existsSync(join(state, "emulator.pid"))).toBe(false);
    expect(existsSync(join(state, "emulator.lock"))).toBe(false);
    // The ports are free again: the same state starts at once.
    const again = await startEmulator(cli, state);
    expect(again.ready.thumbprint).toBe(emu.ready.thumbprint);
    await again.kill();

    const idle = run(["emulator", "stop", "--state", state]);
    expect(idle.code).toBe(0);
    expect(idle.stderr).toContain("no emulator is running");
  }, 60_000);

  it("never signals a process the state lock does not name", async () => {
    const state = await tempDir("bb-oidc-stop-");
    const emu = await startEmulator(cli, state);
    await emu.kill(); // leaves a stale lock and pid file
    const bystander = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    await writeFile(join(state, "emulator.pid"), `${bystander.pid}\n`);
    const r = run(["emulator", "stop", "--state", state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does not hold the directory's lock; not signalling it");
    expect(alive(bystander.pid!)).toBe(true);
    bystander.kill("SIGKILL");
  }, 60_000);

  it("says so for a directory that is not an emulator's", async () => {
    const r = run(["emulator", "stop", "--state", await tempDir("bb-oidc-stop-")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not an emulator state directory");
  });
});

describe("started through npm", () => {
  it("stops itself when the wrapper above it is killed (no orphan on the fixed ports)", async () => {
    const state = await tempDir("bb-oidc-npm-");
    // What `npx bb-oidc emulator` runs: npm → sh -c → node. Killing npm kills the shell, which
    // does not pass the signal on. `; exit` keeps sh from exec'ing node itself.
    const sh = spawn(
      "sh",
      [
        "-c",
        `"${process.execPath}" "${cli}" emulator --aws-port 0 --bitbucket-port 0 --json --state "${state}"; exit`,
      ],
      { env: { ...process.env, npm_command: "exec" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    await new Promise<void>((resolve, reject) => {
      sh.stdout.once("data", () => resolve());
      sh.once("exit", () => reject(new Error("the emulator did not start")));
    });
    const pid = Number((await readFile(join(state, "emulator.pid"), "utf8")).trim());
    expect(alive(pid)).toBe(true);
    sh.kill("SIGKILL");
    // Generous: on a loaded CI machine the stop (snapshot, close) can take seconds.
    expect(await gone(pid, 30_000)).toBe(true);
    // It stopped, not died: the state was saved and the directory released.
    expect(existsSync(join(state, "emulator.pid"))).toBe(false);
    expect(existsSync(join(state, "emulator.lock"))).toBe(false);
  }, 60_000);
});

describe("reset", () => {
  it("is the explicit way out of refused state; refused while running or with foreign files", async () => {
    const state = await tempDir("bb-oidc-reset-");
    const emu = await startEmulator(cli, state);
    const running = run(["emulator", "reset", "--state", state]);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain("in use by another emulator");
    expect(run(["emulator", "stop", "--state", state]).code).toBe(0);

    await rm(join(state, "snapshot.json"));
    const refused = await runToExit(cli, state);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`bb-oidc emulator reset --state ${state}`);

    await writeFile(join(state, "notes.txt"), "mine\n");
    const foreign = run(["emulator", "reset", "--state", state]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain("notes.txt");
    expect(existsSync(join(state, "journal.jsonl"))).toBe(true);
    await rm(join(state, "notes.txt"));

    const reset = run(["emulator", "reset", "--state", state]);
    expect(reset.code).toBe(0);
    expect(reset.stderr).toContain("The next start creates new state");
    const fresh = await startEmulator(cli, state);
    expect(fresh.ready.thumbprint).not.toBe(emu.ready.thumbprint);
    await fresh.kill();
  }, 60_000);
});
