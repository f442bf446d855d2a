import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mintToken } from "../../src/emulator/bitbucket/mint.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { testWith } from "../support/real-clients.js";

const run = promisify(execFile);
const A = "111111111111";
const REPO = "{5d2f3a1e-7c4b-4e8a-9f1d-3b6a2c8e4f70}";
const ROLE_ARN = `arn:aws:iam::${A}:role/bitbucket-deploy`;
const SESSION_ARN = (name: string) => `arn:aws:sts::${A}:assumed-role/bitbucket-deploy/${name}`;

let emu: RunningEmulator;
let stateDir: string;
let work: string;

/** A copy: the SDK marks the credential objects it is given (`$source`). */
function admin(): { accessKeyId: string; secretAccessKey: string } {
  const { accessKeyId, secretAccessKey } = emu.accounts[0]!;
  return { accessKeyId, secretAccessKey };
}

/** A clean environment for child processes: no credentials or config from this machine. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return {
    ...env,
    HOME: work,
    AWS_CONFIG_FILE: join(work, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(work, "no-credentials"),
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

async function setUp(e: RunningEmulator): Promise<void> {
  const ws = e.workspaces[0]!;
  const iam = new IAMClient({ endpoint: e.awsEndpoint, region: "us-east-1", credentials: admin() });
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: ws.issuer,
      ClientIDList: [`ari:cloud:bitbucket::workspace/${ws.uuid.replace(/[{}]/g, "")}`],
      ThumbprintList: [e.thumbprint],
    }),
  );
  const providerHost = ws.issuer.slice("https://".length);
  await iam.send(
    new CreateRoleCommand({
      RoleName: "bitbucket-deploy",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/${providerHost}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringLike: { [`${providerHost}:sub`]: `${REPO}:*` } },
          },
        ],
      }),
    }),
  );
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "bb-oidc-emu-state-"));
  work = await mkdtemp(join(tmpdir(), "bb-oidc-emu-work-"));
  emu = await startEmulator({ awsPort: 0, bitbucketPort: 0, stateDir });
  await setUp(emu);
});

afterAll(async () => {
  await emu?.close();
  await rm(stateDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe("the composed emulator", () => {
  test("reports its endpoints, CA, accounts and workspaces", () => {
    expect(emu.awsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.bitbucketEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.stateDir).toBe(stateDir);
    expect(emu.accounts).toEqual([
      {
        id: A,
        accessKeyId: expect.stringMatching(/^AKIA[A-Z2-7]{16}$/),
        secretAccessKey: expect.any(String),
      },
    ]);
    expect(emu.workspaces[0]).toMatchObject({
      slug: "acme",
      issuer: "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
    });
  });

  test("a minted token is exchanged through the real issuer host name", async () => {
    const token = await mintToken(emu.store, { workspace: "acme", repositoryUuid: REPO });
    const sts = new STSClient({ endpoint: emu.awsEndpoint, region: "us-east-1", maxAttempts: 1 });
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: ROLE_ARN,
        RoleSessionName: "sdk",
        WebIdentityToken: token,
      }),
    );
    expect(out.AssumedRoleUser?.Arn).toBe(SESSION_ARN("sdk"));
  });

  test("the SDK's default credential chain in a child process (web-identity env)", async () => {
    const tokenFile = join(work, "token");
    await writeFile(
      tokenFile,
      await mintToken(emu.store, { workspace: "acme", repositoryUuid: REPO }),
    );
    const script = `
      import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
      const out = await new STSClient({}).send(new GetCallerIdentityCommand({}));
      process.stdout.write(JSON.stringify({ Arn: out.Arn, Account: out.Account }));
    `;
    const env = childEnv({
      AWS_ENDPOINT_URL: emu.awsEndpoint,
      AWS_ROLE_ARN: ROLE_ARN,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_SESSION_NAME: "child",
    });
    const { stdout } = await run(
      process.execPath,
      ["--no-warnings", "--input-type=module", "-e", script],
      {
        cwd: process.cwd(),
        env,
      },
    );
    expect(JSON.parse(stdout)).toEqual({ Arn: SESSION_ARN("child"), Account: A });

    await writeFile(tokenFile, "garbage.not.a-token");
    const refused = await run(
      process.execPath,
      ["--no-warnings", "--input-type=module", "-e", script],
      {
        cwd: process.cwd(),
        env,
      },
    ).then(
      () => "succeeded",
      (err: { stderr: string }) => err.stderr,
    );
    expect(refused).toContain("InvalidIdentityToken");
  });

  testWith(["aws"], "the AWS CLI with issued session credentials", async () => {
    const token = await mintToken(emu.store, { workspace: "acme", repositoryUuid: REPO });
    const sts = new STSClient({ endpoint: emu.awsEndpoint, region: "us-east-1", maxAttempts: 1 });
    const c = (
      await sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: ROLE_ARN,
          RoleSessionName: "cli",
          WebIdentityToken: token,
        }),
      )
    ).Credentials!;
    const { stdout } = await run(
      "aws",
      ["sts", "get-caller-identity", "--endpoint-url", emu.awsEndpoint, "--output", "json"],
      {
        env: childEnv({
          AWS_ACCESS_KEY_ID: c.AccessKeyId!,
          AWS_SECRET_ACCESS_KEY: c.SecretAccessKey!,
          AWS_SESSION_TOKEN: c.SessionToken!,
        }),
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ Arn: SESSION_ARN("cli"), Account: A });
  });

  testWith(["aws"], "the AWS CLI's own web-identity exchange", async () => {
    const tokenFile = join(work, "cli-token");
    await writeFile(
      tokenFile,
      await mintToken(emu.store, { workspace: "acme", repositoryUuid: REPO }),
    );
    const { stdout } = await run("aws", ["sts", "get-caller-identity", "--output", "json"], {
      env: childEnv({
        AWS_ENDPOINT_URL: emu.awsEndpoint,
        AWS_ROLE_ARN: ROLE_ARN,
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_SESSION_NAME: "botocore",
      }),
    });
    expect(JSON.parse(stdout)).toMatchObject({ Arn: SESSION_ARN("botocore") });
  });

  test("a restart on the same state directory keeps providers, roles, keys and sessions", async () => {
    const token = await mintToken(emu.store, { workspace: "acme", repositoryUuid: REPO });
    const before = new STSClient({
      endpoint: emu.awsEndpoint,
      region: "us-east-1",
      maxAttempts: 1,
    });
    const c = (
      await before.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: ROLE_ARN,
          RoleSessionName: "survivor",
          WebIdentityToken: token,
        }),
      )
    ).Credentials!;
    const keys = admin();
    await emu.close();

    emu = await startEmulator({ awsPort: 0, bitbucketPort: 0, stateDir });
    expect(admin()).toEqual(keys);
    const iam = new IAMClient({
      endpoint: emu.awsEndpoint,
      region: "us-east-1",
      credentials: admin(),
    });
    expect((await iam.send(new GetRoleCommand({ RoleName: "bitbucket-deploy" }))).Role?.Arn).toBe(
      ROLE_ARN,
    );

    const session = new STSClient({
      endpoint: emu.awsEndpoint,
      region: "us-east-1",
      credentials: {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      },
    });
    expect((await session.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      SESSION_ARN("survivor"),
    );

    // A token minted before the restart still verifies: the signing keys were kept too.
    const after = new STSClient({ endpoint: emu.awsEndpoint, region: "us-east-1", maxAttempts: 1 });
    const again = await after.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: ROLE_ARN,
        RoleSessionName: "again",
        WebIdentityToken: token,
      }),
    );
    expect(again.AssumedRoleUser?.Arn).toBe(SESSION_ARN("again"));
  });
});
