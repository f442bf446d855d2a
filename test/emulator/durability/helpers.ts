/**
 * The emulator as the user runs it: `node dist/cli.cjs emulator --json --state DIR` in its own
 * process, so a SIGKILL hits the real thing (servers, store, fsyncs) and a refusal is observed as
 * the user sees it (stderr and exit status).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { IAMClient } from "@aws-sdk/client-iam";

const root = join(import.meta.dirname, "../../..");

export interface ReadyLine {
  awsEndpoint: string;
  bitbucketEndpoint: string;
  caFile: string;
  stateDir: string;
  thumbprint: string;
  accounts: Array<{ id: string; accessKeyId: string; secretAccessKey: string }>;
  workspaces: Array<{ slug: string; uuid: string; issuer: string }>;
}

export interface EmulatorProcess {
  child: ChildProcess;
  ready: ReadyLine;
  stderr(): string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
const tempDirs: string[] = [];

/**
 * Builds dist/ if missing, then works from a private copy of it (the CLI entry and the chunks it
 * loads; no runtime dependencies), so a rebuild of dist/ by someone else mid-run cannot hand a
 * half-written or deleted file to a spawn.
 */
export async function prepareCli(): Promise<string> {
  const dist = join(root, "dist");
  if (!existsSync(join(dist, "cli.cjs"))) {
    const r = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  }
  const dir = await tempDir("bb-oidc-durability-cli-");
  cpSync(dist, join(dir, "dist"), { recursive: true });
  return join(dir, "dist", "cli.cjs");
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Kills whatever is still running and removes temporary directories (afterEach/afterAll). */
export async function cleanUp(): Promise<void> {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
  live.clear();
  for (const d of tempDirs.splice(0)) await rm(d, { recursive: true, force: true });
}

function emulatorArgs(cli: string, stateDir: string, extra: readonly string[]): string[] {
  return [
    cli,
    "emulator",
    "--aws-port",
    "0",
    "--bitbucket-port",
    "0",
    "--json",
    "--state",
    stateDir,
    ...extra,
  ];
}

/** Starts the emulator and resolves with its ready line; rejects if it exits first. */
export function startEmulator(
  cli: string,
  stateDir: string,
  extra: readonly string[] = [],
): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, emulatorArgs(cli, stateDir, extra), {
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no ready line within 20 s; stderr: ${err}`));
    }, 20_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code ?? signal}) before it was ready: ${err}`));
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl === -1) return;
      clearTimeout(timer);
      resolve({
        child,
        ready: JSON.parse(out.slice(0, nl)) as ReadyLine,
        stderr: () => err,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
          live.delete(child);
        },
      });
    });
  });
}

/** Runs the emulator expecting it to refuse to start: its exit status, stdout and stderr. */
export function runToExit(
  cli: string,
  stateDir: string,
  extra: readonly string[] = [],
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, emulatorArgs(cli, stateDir, extra), {
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => {
    // An emulator that starts instead of refusing would run forever; stop it and report that.
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Admin IAM client for a running emulator. No retries: one request, one outcome. */
export function iamFor(e: EmulatorProcess): IAMClient {
  const { accessKeyId, secretAccessKey } = e.ready.accounts[0]!;
  return new IAMClient({
    endpoint: e.ready.awsEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
    requestHandler: { requestTimeout: 15_000, connectionTimeout: 5_000 },
  });
}

export interface FileFingerprint {
  size: number;
  mode: number;
  mtimeMs: number;
  sha256: string;
}

/** Every file and directory under `dir` with its size, mode, mtime and content hash. */
export async function fingerprint(dir: string): Promise<Record<string, FileFingerprint | "dir">> {
  const out: Record<string, FileFingerprint | "dir"> = {};
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      const st = await stat(p);
      if (st.isDirectory()) {
        out[relative(dir, p)] = "dir";
        await walk(p);
      } else {
        out[relative(dir, p)] = {
          size: st.size,
          mode: st.mode,
          mtimeMs: st.mtimeMs,
          sha256: createHash("sha256")
            .update(await readFile(p))
            .digest("hex"),
        };
      }
    }
  };
  await walk(dir);
  return out;
}

/** The trust policy every role in these tests carries (the account's root may assume it). */
export function trustPolicy(account: string, id: number): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: `t${id}`,
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: "sts:AssumeRole",
      },
    ],
  });
}

export function inlinePolicy(id: number): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::bucket-${id}/*` },
    ],
  });
}

/** A 40-hex-digit thumbprint that differs per id. */
export function thumbprintFor(id: number): string {
  return createHash("sha1").update(`thumb-${id}`).digest("hex");
}

/** IAM returns policy documents URL-encoded. */
export function decodePolicy(encoded: string | undefined): unknown {
  return encoded === undefined ? undefined : JSON.parse(decodeURIComponent(encoded));
}
