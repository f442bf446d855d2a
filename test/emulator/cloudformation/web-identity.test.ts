/**
 * The whole flow through the real emulator: a stack made by CloudFormation creates IAM records,
 * and STS then enforces them for tokens the emulated Bitbucket issues.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
} from "@aws-sdk/client-cloudformation";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, expect, test } from "vitest";
import { mintToken } from "../../../src/emulator/bitbucket/index.js";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { cfn, FAST, failure, iam } from "./helpers.js";

const REPO = "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}";
const OTHER = "{7b7b7b7b-1111-4222-8333-444444444444}";

let emu: RunningEmulator;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bb-oidc-cfn-"));
  emu = await startEmulator({
    awsPort: 0,
    bitbucketPort: 0,
    stateDir: dir,
    accounts: ["111111111111"],
    workspaces: ["acme"],
  });
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

function template(issuer: string, audience: string): string {
  const host = issuer.slice("https://".length);
  return JSON.stringify({
    Resources: {
      Provider: {
        Type: "AWS::IAM::OIDCProvider",
        Properties: { Url: issuer, ClientIdList: [audience] },
      },
      Role: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: "deploy",
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Federated: { Ref: "Provider" } },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                  StringEquals: { [`${host}:aud`]: audience },
                  StringLike: { [`${host}:sub`]: `${REPO}:*` },
                },
              },
            ],
          },
        },
      },
    },
    Outputs: { RoleArn: { Value: { "Fn::GetAtt": ["Role", "Arn"] } } },
  });
}

test("a stack's role is enforced by STS: the allowed repository gets credentials, another is refused", async () => {
  const ws = emu.workspaces[0]!;
  const audience = `ari:cloud:bitbucket::workspace/${ws.uuid.replace(/[{}]/g, "")}`;
  const admin = emu.accounts[0]!;
  const client = cfn(emu.awsEndpoint, admin);
  await client.send(
    new CreateStackCommand({
      StackName: "bb-oidc",
      TemplateBody: template(ws.issuer, audience),
      Capabilities: ["CAPABILITY_NAMED_IAM"],
    }),
  );
  await waitUntilStackCreateComplete({ client, ...FAST }, { StackName: "bb-oidc" });
  const roleArn = (await client.send(new DescribeStacksCommand({ StackName: "bb-oidc" })))
    .Stacks![0]!.Outputs![0]!.OutputValue!;
  expect(roleArn).toBe("arn:aws:iam::111111111111:role/deploy");

  const sts = new STSClient({
    endpoint: emu.awsEndpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: async () => {
      throw new Error("unsigned call");
    },
  });
  const allowed = await sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: "pipeline",
      WebIdentityToken: await mintToken(emu.store, { workspace: "acme", repositoryUuid: REPO }),
    }),
  );
  expect(allowed.AssumedRoleUser?.Arn).toBe(
    "arn:aws:sts::111111111111:assumed-role/deploy/pipeline",
  );
  const refused = await failure(
    sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn,
        RoleSessionName: "pipeline",
        WebIdentityToken: await mintToken(emu.store, { workspace: "acme", repositoryUuid: OTHER }),
      }),
    ),
  );
  expect(refused).toMatchObject({ name: "AccessDenied", status: 403 });

  // Deleting the stack deletes the role: STS then has nothing to assume.
  await client.send(new DeleteStackCommand({ StackName: "bb-oidc" }));
  await waitUntilStackDeleteComplete({ client, ...FAST }, { StackName: "bb-oidc" }).catch(() => {});
  expect(
    (await failure(iam(emu.awsEndpoint, admin).send(new GetRoleCommand({ RoleName: "deploy" }))))
      .name,
  ).toBe("NoSuchEntityException");
});
