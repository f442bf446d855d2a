/** Running the built CLI (dist/cli.mjs) as a child process, a few at a time. */
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BUILT_CLI = fileURLToPath(new URL("../../dist/cli.mjs", import.meta.url));

let cli: string | undefined;

/**
 * Builds dist/ when it is missing (`npm test` builds before vitest; a bare `npx vitest` may not),
 * then runs a private copy of dist/cli.mjs, so a rebuild during the run (another `npm test` in the
 * same tree) cannot swap the binary under the tests. explain reads no file next to the bundle.
 * The copy goes into `dir`, a temporary directory the caller removes.
 */
export function ensureBuilt(dir: string): void {
  if (cli && existsSync(cli)) return;
  if (!existsSync(BUILT_CLI)) {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });
  }
  const copy = join(dir, "cli.mjs");
  for (let attempt = 1; ; attempt++) {
    copyFileSync(BUILT_CLI, copy);
    try {
      execFileSync(process.execPath, [copy, "--version"], { stdio: "ignore" });
      break;
    } catch (err) {
      // Copied while being rewritten: try again shortly.
      if (attempt >= 5) throw err;
      execFileSync(process.execPath, ["-e", "setTimeout(() => {}, 1000)"]);
    }
  }
  cli = copy;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cli ?? BUILT_CLI, ...args],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
      (err, stdout, stderr) => {
        const code =
          err && typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : err
              ? -1
              : 0;
        resolve({ exitCode: child.exitCode ?? code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs `jobs` with at most `limit` in flight; results in the jobs' order. */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}
