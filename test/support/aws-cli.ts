import { execFileSync, spawn } from "node:child_process";

/** Whether the AWS CLI is on PATH. Under CI a test that needs it fails instead of skipping. */
export function hasAwsCli(): boolean {
  try {
    execFileSync("aws", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function requireAwsCli(): boolean {
  if (hasAwsCli()) return true;
  if (process.env.CI === "true") throw new Error("the AWS CLI is required under CI (CI=true)");
  return false;
}

/**
 * Runs `aws … --endpoint-url <endpoint>` with only these credentials in its environment.
 * Asynchronous: the emulator answers from this same process, so a blocking spawn would hang.
 */
export function runAwsCli(
  args: string[],
  opts: {
    endpoint: string;
    home: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn("aws", [...args, "--endpoint-url", opts.endpoint, "--output", "json"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: opts.home,
      AWS_ACCESS_KEY_ID: opts.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: opts.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
      ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}),
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr })),
  );
}
