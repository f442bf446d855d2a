import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { defaultAudience } from "../../src/bitbucket/index.js";
import { mintToken } from "../../src/emulator/bitbucket/index.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

/**
 * What a pipeline step meets, on the emulator: workspace acme registered as an OIDC provider in
 * account 111111111111, whose role `deploy` trusts one repository's steps. For the tests of the
 * ways bb-oidc gets into a step (single executable, packed package, Pipe, proxies).
 */
export const ACCOUNT = "111111111111";
export const REPO = "{0b6f3c2e-9d41-4a7e-8c15-3e2f1d0a9b87}";
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/deploy`;

export interface PipelineWorld {
  emu: RunningEmulator;
  /** A scratch directory removed by close(); HOME of every run. */
  dir: string;
  mint(opts?: Partial<Parameters<typeof mintToken>[1]>): Promise<string>;
  /** Every secret the tests saw issued or minted, for secret scans. */
  issued: string[];
  close(): Promise<void>;
}

export async function startPipelineWorld(): Promise<PipelineWorld> {
  const emu = await startEmulator({ awsPort: 0, bitbucketPort: 0, accounts: [ACCOUNT] });
  const dir = mkdtempSync(join(tmpdir(), "bb-oidc-world-"));
  const acme = emu.workspaces[0]!;
  const host = acme.issuer.slice("https://".length);
  const admin = new IAMClient({
    region: "us-east-1",
    endpoint: emu.awsEndpoint,
    credentials: {
      accessKeyId: emu.accounts[0]!.accessKeyId,
      secretAccessKey: emu.accounts[0]!.secretAccessKey,
    },
  });
  await admin.send(
    new CreateOpenIDConnectProviderCommand({
      Url: acme.issuer,
      ClientIDList: [defaultAudience(acme.uuid)],
    }),
  );
  await admin.send(
    new CreateRoleCommand({
      RoleName: "deploy",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { [`${host}:aud`]: defaultAudience(acme.uuid) },
              StringLike: { [`${host}:sub`]: `${REPO}:*` },
            },
          },
        ],
      }),
    }),
  );
  admin.destroy();
  const issued: string[] = [];
  return {
    emu,
    dir,
    issued,
    async mint(opts = {}) {
      const t = await mintToken(emu.store, { workspace: "acme", repositoryUuid: REPO, ...opts });
      issued.push(t);
      return t;
    },
    async close() {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command with exactly `env` (nothing inherited). Asynchronous: the emulator answering it
 * lives in this process.
 */
export function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    // A command that exits without reading its input must not fail the test with EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** The ARN GetCallerIdentity names for these credentials (JSON output of `credentials`). */
export async function callerArnOf(endpoint: string, json: string): Promise<string> {
  const c = JSON.parse(json) as Record<string, string>;
  const { GetCallerIdentityCommand, STSClient } = await import("@aws-sdk/client-sts");
  const sts = new STSClient({
    region: "us-east-1",
    endpoint,
    credentials: {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    },
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn!;
  } finally {
    sts.destroy();
  }
}

/**
 * GetCallerIdentity from a child process whose AWS SDK for JavaScript v3 finds credentials on its
 * own (environment, profiles, web identity), as a user's tool in the step would.
 */
export async function sdkCallerArn(env: NodeJS.ProcessEnv): Promise<Run> {
  const script = `
    import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
    const who = await new STSClient({}).send(new GetCallerIdentityCommand({}));
    process.stdout.write(who.Arn);`;
  return run(process.execPath, ["--input-type=module", "-e", script], {
    PATH: process.env.PATH,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...env,
  });
}

/** The same from botocore (boto3), the AWS CLI's library. */
export async function botoCallerArn(env: NodeJS.ProcessEnv): Promise<Run> {
  const script =
    "import boto3,sys; sys.stdout.write(boto3.client('sts').get_caller_identity()['Arn'])";
  return run("python3", ["-c", script], { PATH: process.env.PATH, ...env });
}
