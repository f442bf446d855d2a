/**
 * The seed's bitbucket-pipelines.yml step, line for line, through bash and the real AWS CLI
 * against the emulator. AWS_ENDPOINT_URL is added (a real step reaches real AWS), and so is
 * AWS_DEFAULT_REGION with the step's own region: the seed's image (amazon/aws-cli) is CLI v2,
 * which reads the step's `AWS_REGION`; the CLI here is v1 (botocore), which reads only
 * AWS_DEFAULT_REGION (docs/decisions.md). The account and role name are the ones the step
 * names; the trust policy is this test's own.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, expect, test } from "vitest";
import { mintToken } from "../../../src/emulator/bitbucket/mint.js";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { clientEnv, describeWith, runClient } from "../../support/real-clients.js";

/** The step's `script:` lines exactly as the seed writes them. */
const SEED_STEP_SCRIPT = [
  "export AWS_REGION=ap-southeast-2",
  "export AWS_ROLE_ARN=arn:aws:iam::222229272234:role/ODICAssumeRole",
  "export AWS_WEB_IDENTITY_TOKEN_FILE=$(pwd)/web-identity-token",
  "echo $BITBUCKET_STEP_OIDC_TOKEN > $(pwd)/web-identity-token",
  'echo "[INFO] print caller identity"',
  "aws sts get-caller-identity",
];

const ACCOUNT = "222229272234";
const REPO = "{0b9e3c1a-52d4-4f0e-8e6b-7a1c2d3e4f50}";
const OTHER_REPO = "{9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f}";

let emu: RunningEmulator;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "bb-oidc-seed-step-"));
  emu = await startEmulator({
    awsPort: 0,
    bitbucketPort: 0,
    stateDir: join(work, "state"),
    accounts: [ACCOUNT],
    workspaces: ["seedco"],
  });
  const ws = emu.workspaces[0]!;
  const { accessKeyId, secretAccessKey } = emu.accounts[0]!;
  const iam = new IAMClient({
    endpoint: emu.awsEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey },
  });
  const audience = `ari:cloud:bitbucket::workspace/${ws.uuid.replace(/[{}]/g, "")}`;
  const host = ws.issuer.slice("https://".length);
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: ws.issuer,
      ClientIDList: [audience],
      ThumbprintList: [emu.thumbprint],
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: "ODICAssumeRole",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "OneRepositoryOfTheWorkspace",
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { [`${host}:aud`]: audience },
              StringLike: { [`${host}:sub`]: `${REPO}:*` },
            },
          },
        ],
      }),
    }),
  );
});

afterAll(async () => {
  await emu?.close();
  await rm(work, { recursive: true, force: true });
});

async function runStep(repositoryUuid: string) {
  const token = await mintToken(emu.store, { workspace: "seedco", repositoryUuid });
  const cwd = await mkdtemp(join(work, "clone-"));
  const run = await runClient("bash", ["-e", "-c", SEED_STEP_SCRIPT.join("\n")], {
    cwd,
    // Each step runs in a fresh container: no CLI credential cache from an earlier step.
    env: clientEnv(cwd, {
      BITBUCKET_STEP_OIDC_TOKEN: token,
      AWS_ENDPOINT_URL: emu.awsEndpoint,
      AWS_DEFAULT_REGION: "ap-southeast-2",
    }),
  });
  return { ...run, token, cwd };
}

describeWith(["aws"], "the seed's pipeline step, verbatim", () => {
  test("prints the caller identity of the assumed role", async () => {
    const r = await runStep(REPO);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // `echo` wrote the token with its newline, as in every pipeline that copies this line.
    expect(await readFile(join(r.cwd, "web-identity-token"), "utf8")).toBe(`${r.token}\n`);
    expect(r.stdout.startsWith("[INFO] print caller identity\n")).toBe(true);
    const identity = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
    expect(identity).toEqual({
      UserId: expect.stringMatching(/^AROA[A-Z2-7]{17}:botocore-session-\d+$/),
      Account: ACCOUNT,
      Arn: expect.stringMatching(
        /^arn:aws:sts::222229272234:assumed-role\/ODICAssumeRole\/botocore-session-\d+$/,
      ),
    });
    // The exchange is recorded as the role's last use.
    const { accessKeyId, secretAccessKey } = emu.accounts[0]!;
    const role = await new IAMClient({
      endpoint: emu.awsEndpoint,
      region: "ap-southeast-2",
      credentials: { accessKeyId, secretAccessKey },
    }).send(new GetRoleCommand({ RoleName: "ODICAssumeRole" }));
    expect(role.Role?.RoleLastUsed?.LastUsedDate).toBeInstanceOf(Date);
  }, 120_000);

  test("a repository the trust policy does not name fails the step with STS's refusal", async () => {
    const r = await runStep(OTHER_REPO);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe("[INFO] print caller identity\n");
    expect(r.stderr).toContain(
      "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity",
    );
  }, 120_000);
});
