/**
 * Tests that drive the emulator with clients no one here wrote (the AWS CLI, boto3, cfn-lint).
 * On a laptop without a client they skip; under CI (`CI=true`) a missing client FAILS the test
 * instead, because a silent skip there would hide that nothing was checked.
 */
import { execFileSync, spawn } from "node:child_process";
import { describe, test } from "vitest";

export type RealClient = "aws" | "boto3" | "cfn-lint";

const PROBES: Record<RealClient, { command: string; args: string[]; install: string }> = {
  aws: { command: "aws", args: ["--version"], install: "pip install awscli" },
  boto3: { command: "python3", args: ["-c", "import boto3"], install: "pip install boto3" },
  "cfn-lint": { command: "cfn-lint", args: ["--version"], install: "pip install cfn-lint" },
};

const found = new Map<RealClient, boolean>();

export function hasClient(client: RealClient): boolean {
  let ok = found.get(client);
  if (ok === undefined) {
    const probe = PROBES[client];
    try {
      execFileSync(probe.command, probe.args, { stdio: "ignore", timeout: 30_000 });
      ok = true;
    } catch {
      ok = false;
    }
    found.set(client, ok);
  }
  return ok;
}

/** `CI` as GitHub, GitLab, Bitbucket and most CI systems set it. */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? "").toLowerCase();
  return v !== "" && v !== "0" && v !== "false";
}

function missingMessage(clients: RealClient[]): string {
  const missing = clients.filter((c) => !hasClient(c));
  return (
    `CI=true and ${missing.map((c) => `'${PROBES[c].command}' (${c})`).join(", ")} ` +
    `cannot be run: install ${missing.map((c) => PROBES[c].install).join(" and ")} in the CI image.`
  );
}

/** What a test needing `clients` does here: run, skip (a laptop), or fail (CI). */
export function plan(
  clients: RealClient[],
  env: NodeJS.ProcessEnv = process.env,
  has: (c: RealClient) => boolean = hasClient,
): "run" | "skip" | "fail" {
  if (clients.every(has)) return "run";
  return underCi(env) ? "fail" : "skip";
}

/**
 * `describe` for a block that needs real clients: the block runs when they are all present;
 * otherwise it is skipped, or under CI replaced by one failing test that says what is missing.
 */
export function describeWith(clients: RealClient[], name: string, body: () => void): void {
  const what = plan(clients);
  if (what === "run") {
    describe(name, body);
  } else if (what === "fail") {
    describe(name, () => {
      test("has the clients it needs", () => {
        throw new Error(missingMessage(clients));
      });
    });
  } else {
    describe.skip(name, body);
  }
}

/** One test that needs real clients, with the same skip-or-fail rule as `describeWith`. */
export function testWith(
  clients: RealClient[],
  name: string,
  body: () => Promise<void>,
  timeoutMs?: number,
): void {
  const what = plan(clients);
  if (what === "run") test(name, body, timeoutMs);
  else if (what === "fail")
    test(name, () => {
      throw new Error(missingMessage(clients));
    });
  else test.skip(name, body);
}

/**
 * The environment a child client gets: this machine's PATH (and pyenv), a private HOME, and no
 * AWS settings or credentials from the machine running the tests.
 */
export function clientEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ["PATH", "PYENV_ROOT", "PYENV_VERSION", "LANG", "LC_ALL", "TMPDIR"]) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  return {
    ...env,
    HOME: home,
    AWS_CONFIG_FILE: `${home}/no-aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/no-aws-credentials`,
    AWS_EC2_METADATA_DISABLED: "true",
    // The CLI's pager and its version-check nags have no place in a test's output.
    AWS_PAGER: "",
    ...extra,
  };
}

export interface ClientRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client to completion without blocking this process (the emulator it talks to answers
 * from this same event loop, so a synchronous spawn would deadlock).
 */
export function runClient(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number },
): Promise<ClientRun> {
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  child.stdin.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
