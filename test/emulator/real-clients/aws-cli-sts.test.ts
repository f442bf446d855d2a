/**
 * STS and CloudFormation sessions with the AWS CLI (v1, botocore) as a user types them: a web
 * identity exchanged from a token file that ends in a newline, a chained AssumeRole in another
 * region, a stack created and waited for, and the refusals as the CLI prints them.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeWith } from "../../support/real-clients.js";
import { startEndpoint } from "../aws/helpers.js";
import {
  createPipelineRole,
  type PipelineIssuer,
  REPO,
  startPipelineIssuer,
} from "../aws/pipeline-issuer.js";
import { type CliSession, type Creds, cliError, cliSession } from "./cli.js";

const A = "111111111111";
let ep: Awaited<ReturnType<typeof startEndpoint>>;
let issuer: PipelineIssuer;
let cli: CliSession;
let stepRole: string;
beforeAll(async () => {
  issuer = await startPipelineIssuer();
  ep = await startEndpoint({ issuerAccess: issuer.issuerAccess });
  cli = await cliSession(ep.url, ep.accounts[0]!, "ap-southeast-2");
  stepRole = await createPipelineRole(ep.url, ep.accounts[0]!, A, "step");
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
  await issuer.close();
  await rm(cli.home, { recursive: true, force: true });
});

/** `aws sts assume-role-with-web-identity … --web-identity-token file://…`, as in a step. */
async function exchange(token: string, sessionName: string) {
  return cli.aws(
    [
      "sts",
      "assume-role-with-web-identity",
      "--role-arn",
      stepRole,
      "--role-session-name",
      sessionName,
      "--web-identity-token",
      await cli.file(`${sessionName}.token`, token),
    ],
    // The exchange is unsigned: no keys in the step's environment.
    { creds: { accessKeyId: "", secretAccessKey: "" } },
  );
}

function sessionOf(out: {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
}): Creds {
  return {
    accessKeyId: out.Credentials.AccessKeyId,
    secretAccessKey: out.Credentials.SecretAccessKey,
    sessionToken: out.Credentials.SessionToken,
  };
}

describeWith(["aws"], "aws sts and aws cloudformation (CLI v1, botocore)", () => {
  test("a token file written by echo (ends in a newline) is exchanged, then a chained hop", async () => {
    const token = await issuer.mint(Date.now());
    const r = await exchange(`${token}\n`, "cli-step");
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      SubjectFromWebIdentityToken: `${REPO}:{step-1}`,
      AssumedRoleUser: { Arn: `arn:aws:sts::${A}:assumed-role/step/cli-step` },
      Provider: expect.stringContaining(":oidc-provider/api.bitbucket.org/"),
    });
    const step = sessionOf(out);

    await cli.ok([
      "iam",
      "create-role",
      "--role-name",
      "deployer",
      "--assume-role-policy-document",
      await cli.file(
        "hop-trust.json",
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: stepRole }, Action: "sts:AssumeRole" }],
        }),
      ),
    ]);
    const hop = await cli.ok(
      [
        "sts",
        "assume-role",
        "--role-arn",
        `arn:aws:iam::${A}:role/deployer`,
        "--role-session-name",
        "hop",
        "--duration-seconds",
        "900",
      ],
      { creds: step, region: "eu-central-1" },
    );
    expect(hop.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${A}:assumed-role/deployer/hop`);
    const me = await cli.ok(["sts", "get-caller-identity"], { creds: sessionOf(hop) });
    expect(me).toMatchObject({ Account: A, Arn: `arn:aws:sts::${A}:assumed-role/deployer/hop` });
    const role = await cli.ok(["iam", "get-role", "--role-name", "deployer"]);
    expect(role.Role.RoleLastUsed).toMatchObject({ Region: "eu-central-1" });

    const tooLong = await cli.aws(
      [
        "sts",
        "assume-role",
        "--role-arn",
        `arn:aws:iam::${A}:role/deployer`,
        "--role-session-name",
        "hop2",
        "--duration-seconds",
        "7200",
      ],
      { creds: step },
    );
    expect(tooLong.stderr.trim()).toBe(
      cliError(
        "ValidationError",
        "AssumeRole",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      ),
    );
  }, 120_000);

  test("refused exchanges, as the CLI prints them", async () => {
    const other = await exchange(
      `${await issuer.mint(Date.now(), { sub: "{9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f}:{s}" })}\n`,
      "other-repo",
    );
    expect(other.status).not.toBe(0);
    expect(other.stderr.trim()).toBe(
      cliError(
        "AccessDenied",
        "AssumeRoleWithWebIdentity",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
      ),
    );
    const garbage = await exchange("not-a-token\n", "garbage");
    expect(garbage.stderr).toContain(
      cliError("InvalidIdentityToken", "AssumeRoleWithWebIdentity", ""),
    );
  }, 60_000);

  test("a region AWS does not have is refused; every real one works", async () => {
    const nowhere = await cli.aws(["sts", "get-caller-identity"], { region: "xx-nowhere-1" });
    expect(nowhere.stderr.trim()).toBe(
      cliError(
        "SignatureDoesNotMatch",
        "GetCallerIdentity",
        "Credential should be scoped to a valid region.",
      ),
    );
    for (const region of ["ap-southeast-2", "sa-east-1", "cn-northwest-1", "us-gov-east-1"]) {
      expect((await cli.ok(["sts", "get-caller-identity"], { region })).Account).toBe(A);
    }
  }, 60_000);

  test("a stack created, waited for, described and deleted", async () => {
    const template = await cli.file(
      "stack.yaml",
      [
        "Resources:",
        "  Reader:",
        "    Type: AWS::IAM::Role",
        "    Properties:",
        "      RoleName: stack-reader",
        "      AssumeRolePolicyDocument:",
        "        Version: '2012-10-17'",
        "        Statement:",
        "          - Effect: Allow",
        `            Principal: { AWS: '${stepRole}' }`,
        "            Action: sts:AssumeRole",
        "      ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]",
        "Outputs:",
        "  RoleArn:",
        "    Value: !GetAtt Reader.Arn",
        "",
      ].join("\n"),
    );
    await cli.ok([
      "cloudformation",
      "create-stack",
      "--stack-name",
      "readers",
      "--template-body",
      template,
      "--capabilities",
      "CAPABILITY_NAMED_IAM",
    ]);
    await cli.ok(["cloudformation", "wait", "stack-create-complete", "--stack-name", "readers"]);
    const stack = (await cli.ok(["cloudformation", "describe-stacks", "--stack-name", "readers"]))
      .Stacks[0];
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    expect(stack.Outputs).toEqual([
      { OutputKey: "RoleArn", OutputValue: `arn:aws:iam::${A}:role/stack-reader` },
    ]);
    const attached = await cli.ok([
      "iam",
      "list-attached-role-policies",
      "--role-name",
      "stack-reader",
    ]);
    expect(attached.AttachedPolicies).toEqual([
      { PolicyName: "ReadOnlyAccess", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
    ]);
    await cli.ok(["cloudformation", "delete-stack", "--stack-name", "readers"]);
    await cli.ok(["cloudformation", "wait", "stack-delete-complete", "--stack-name", "readers"]);
    const gone = await cli.aws(["iam", "get-role", "--role-name", "stack-reader"]);
    expect(gone.stderr.trim()).toBe(
      cliError("NoSuchEntity", "GetRole", "The role with name stack-reader cannot be found."),
    );
  }, 180_000);
});
