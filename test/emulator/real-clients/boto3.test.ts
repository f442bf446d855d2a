/** boto3 (and botocore's paginators) against the emulator, from a script file this test owns. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, expect, test } from "vitest";
import { clientEnv, describeWith, runClient } from "../../support/real-clients.js";
import { iam, startEndpoint } from "../aws/helpers.js";
import {
  createPipelineRole,
  type PipelineIssuer,
  startPipelineIssuer,
} from "../aws/pipeline-issuer.js";

const SCRIPT = fileURLToPath(new URL("./fixtures/boto3_session.py", import.meta.url));
const USERS_SCRIPT = fileURLToPath(new URL("./fixtures/boto3_users.py", import.meta.url));
const A = "111111111111";
let ep: Awaited<ReturnType<typeof startEndpoint>>;
let issuer: PipelineIssuer;
let home: string;
beforeAll(async () => {
  issuer = await startPipelineIssuer();
  ep = await startEndpoint({ issuerAccess: issuer.issuerAccess });
  home = await mkdtemp(join(tmpdir(), "bb-oidc-boto3-"));
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
  await issuer.close();
  await rm(home, { recursive: true, force: true });
});

describeWith(["boto3"], "boto3", () => {
  test("an IAM and STS session; every refusal is AWS's code, status and words", async () => {
    const roleArn = await createPipelineRole(ep.url, ep.accounts[0]!, A, "py-step-role");
    const tokenFile = join(home, "web-identity-token");
    await writeFile(tokenFile, `${await issuer.mint(Date.now())}\n`);
    const run = await runClient("python3", [SCRIPT], {
      env: clientEnv(home, {
        BB_OIDC_ENDPOINT: ep.url,
        AWS_ACCESS_KEY_ID: ep.accounts[0]!.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ep.accounts[0]!.secretAccessKey,
        ROLE_ARN: roleArn,
        TOKEN_FILE: tokenFile,
      }),
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    const boundary = `arn:aws:iam::${A}:policy/py-boundary`;
    expect(out.role).toEqual({
      boundary: { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: boundary },
      tags: [
        { Key: "Team", Value: "platform" },
        { Key: "tier", Value: "gold" },
      ],
      lastUsed: {},
      trust: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: roleArn }, Action: "sts:AssumeRole" }],
      },
    });
    expect(out.tagPages).toEqual([
      [{ Key: "Team", Value: "platform" }],
      [{ Key: "tier", Value: "gold" }],
    ]);
    expect(out.versions).toEqual([
      ["v5", true],
      ["v4", false],
      ["v3", false],
      ["v2", false],
      ["v1", false],
    ]);
    expect(out.sixthVersion).toEqual({
      code: "LimitExceeded",
      status: 409,
      message:
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
    });
    expect(out.deleteDefault).toEqual({
      code: "DeleteConflict",
      status: 409,
      message: "Cannot delete the default version of a policy.",
    });
    expect(out.badTag).toEqual({
      code: "ValidationError",
      status: 400,
      message: `1 validation error detected: Value '${"a".repeat(129)}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`,
    });
    expect(out.quota).toEqual({
      code: "LimitExceeded",
      status: 409,
      message: "Cannot exceed quota for TagsPerRole: 50",
    });
    expect(out.details).toEqual({
      pages: 3,
      roles: ["py-step-role", "py-deployer"],
      policies: [["py-boundary", "v5", 5]],
      boundaryOf: { "py-step-role": null, "py-deployer": boundary },
    });
    expect(out.web).toEqual({
      arn: `arn:aws:sts::${A}:assumed-role/py-step-role/py-step`,
      tokenEndsInNewline: true,
    });
    expect(out.hop).toBe(`arn:aws:sts::${A}:assumed-role/py-deployer/py-hop`);
    expect(out.lastUsed).toBe("eu-north-1");
    expect(out.nowhere).toEqual({
      code: "SignatureDoesNotMatch",
      status: 403,
      message: "Credential should be scoped to a valid region.",
    });
  }, 120_000);

  test("an IAM user's key: who am I, assume a role naming the user, refusals in AWS's words", async () => {
    const B = "222222222222";
    await iam(ep.url, ep.accounts[1]!).send(
      new CreateRoleCommand({
        RoleName: "py-user-target",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${A}:user/ci/py-ci` },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
    );
    const run = await runClient("python3", [USERS_SCRIPT], {
      env: clientEnv(home, {
        BB_OIDC_ENDPOINT: ep.url,
        AWS_ACCESS_KEY_ID: ep.accounts[0]!.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ep.accounts[0]!.secretAccessKey,
        ROLE_ARN: `arn:aws:iam::${B}:role/py-user-target`,
      }),
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.identity).toMatchObject({ Account: A, Arn: `arn:aws:iam::${A}:user/ci/py-ci` });
    expect(out.identity.UserId).toMatch(/^AIDA/);
    expect(out.self).toBe("py-ci");
    expect(out.assumed).toBe(`arn:aws:sts::${B}:assumed-role/py-user-target/py`);
    expect(out.keys).toHaveLength(1);
    expect(out.deleteWithKey).toEqual({
      code: "DeleteConflict",
      status: 409,
      message: "Cannot delete entity, must delete access keys first.",
    });
    expect(out.inactive).toEqual({
      code: "InvalidClientTokenId",
      status: 403,
      message: "The security token included in the request is invalid.",
    });
    expect(out.afterDelete).toEqual({
      code: "NoSuchEntity",
      status: 404,
      message: "The user with name py-ci cannot be found.",
    });
  }, 120_000);
});
