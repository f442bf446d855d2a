import { spawn } from "node:child_process";
import { hasClient, plan } from "./real-clients.js";

/** Whether the AWS CLI is on PATH (one probe for every test: support/real-clients.ts). */
export function hasAwsCli(): boolean {
  return hasClient("aws");
}

/** True when the CLI is there; false to skip on a laptop; under CI a missing CLI throws. */
export function requireAwsCli(): boolean {
  const what = plan(["aws"]);
  if (what === "fail") throw new Error("the AWS CLI is required under CI (CI=true)");
  return what === "run";
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
