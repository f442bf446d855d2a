/**
 * `bb-oidc credentials --chain` refused on a hop: with read credentials in the environment, the
 * CLI reads the hop's live trust policy and says which condition refused the calling session.
 */
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  ACCOUNT,
  type PipelineWorld,
  ROLE_ARN,
  run,
  startPipelineWorld,
} from "../support/pipeline-world.js";
import { BUILT_CLI, ensureBuilt } from "./cli-kit.js";

let world: PipelineWorld;
const PARTNER = `arn:aws:iam::${ACCOUNT}:role/partner`;

beforeAll(async () => {
  ensureBuilt();
  world = await startPipelineWorld();
  const admin = world.emu.accounts[0]!;
  const iam = new IAMClient({
    region: "us-east-1",
    endpoint: world.emu.awsEndpoint,
    credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
  });
  await iam.send(
    new CreateRoleCommand({
      RoleName: "partner",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: ROLE_ARN },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "sts:ExternalId": "partner-7f3a" } },
          },
        ],
      }),
    }),
  );
  iam.destroy();
});
afterAll(async () => {
  await world?.close();
});

it("names the failing condition of a refused hop, for the session that called", async () => {
  const admin = world.emu.accounts[0]!;
  const r = await run(
    process.execPath,
    [
      BUILT_CLI,
      "credentials",
      "--role-arn",
      ROLE_ARN,
      "--session-name",
      "step-1",
      "--chain",
      PARTNER,
    ],
    {
      PATH: process.env.PATH,
      HOME: world.dir,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: world.emu.awsEndpoint,
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
      // Read credentials for iam:GetRole (the refused call itself uses the chain's session).
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
    },
  );
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(
    `cause: The trust policy of ${PARTNER} refuses arn:aws:sts::${ACCOUNT}:assumed-role/deploy/step-1`,
  );
  expect(r.stderr).toContain("sts:ExternalId");
  expect(r.stderr).toContain("iam:GetRole");
  expect(r.stderr).not.toContain(admin.secretAccessKey);
  expect(r.stdout).toBe("");
});
