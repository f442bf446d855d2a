/**
 * A token given inline on the command line must not stay readable by every user of the machine
 * through `ps` or /proc/<pid>/cmdline while bb-oidc runs (`exec` runs as long as its command). The
 * process title replaces the command line; `@file` and `-` carry no secret and change nothing.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILT_CLI, ensureBuilt } from "../support/built-cli.js";

// A token-shaped value; never checked against anything: STS below never answers.
const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${"eyJzdWIiOiJ4In0"}.${"c2lnbmF0dXJlLW5vdC1yZWFs"}`;
let silent: Server;
let endpoint: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  ensureBuilt();
  // An STS that accepts connections and never answers: the exchange waits, the process lives.
  silent = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const addr = silent.address() as { port: number };
  endpoint = `http://127.0.0.1:${addr.port}`;
});

afterAll(() => {
  for (const s of sockets) s.destroy();
  silent?.close();
});

/** The command line /proc shows for a running `bb-oidc exec` given `tokenArgs`. */
async function cmdlineWhileRunning(tokenArgs: string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      BUILT_CLI,
      "exec",
      "--role-arn",
      "arn:aws:iam::111111111111:role/deploy",
      "--endpoint-url",
      endpoint,
      "--no-retry",
      ...tokenArgs,
      "--",
      "true",
    ],
    { stdio: ["pipe", "ignore", "ignore"], env: { PATH: process.env.PATH, HOME: "/nonexistent" } },
  );
  try {
    // Wait until the request reached the silent STS: the launcher has long set the title then.
    const start = Date.now();
    while (sockets.length === 0 && Date.now() - start < 20_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return readFileSync(`/proc/${child.pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } finally {
    child.kill("SIGKILL");
    sockets.length = 0;
  }
}

describe.runIf(process.platform === "linux")("an inline --token in the process list", () => {
  it("is hidden while the command runs", async () => {
    const line = await cmdlineWhileRunning(["--token", TOKEN]);
    expect(line).not.toContain(TOKEN.slice(0, 20));
    expect(line).toContain("bb-oidc exec (arguments hidden: an inline --token)");
  }, 30_000);

  it("--token=VALUE too", async () => {
    const line = await cmdlineWhileRunning([`--token=${TOKEN}`]);
    expect(line).not.toContain(TOKEN.slice(0, 20));
  }, 30_000);
});
