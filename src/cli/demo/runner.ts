import { spawn } from "node:child_process";

/** What a demo step shows of a command it runs, and what the step checks. */
export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Both streams in the order they arrived, as a terminal would show them. */
  all: string;
}

/** Fails the demo at a named step; the demo exits non-zero with that name. */
export class DemoStepFailed extends Error {
  constructor(
    readonly step: string,
    why: string,
  ) {
    super(why);
  }
}

export interface DemoIo {
  print(text?: string): void;
}

/** `$ bb-oidc …` as a person would type it (long values shortened for the eye). */
export function shownCommand(args: string[]): string {
  const shown = args.map((a) => {
    const s = a.length > 72 ? `${a.slice(0, 30)}…${a.slice(-12)}` : a;
    return /^[\w@%+=:,./{}-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
  });
  return `$ bb-oidc ${shown.join(" ")}`;
}

/**
 * Runs this very CLI as a child process, as the user would. Asynchronous: the emulator serving it
 * lives in this process.
 */
export function runSelf(
  cliPath: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliPath ? [cliPath, ...args] : args, {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let all = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      all += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      all += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, all }));
  });
}

export function indent(text: string, by = "    "): string {
  return text
    .replace(/\s+$/, "")
    .split("\n")
    .map((l) => (l ? by + l : l))
    .join("\n");
}
