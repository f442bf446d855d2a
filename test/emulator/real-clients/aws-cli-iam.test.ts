/**
 * An IAM session with the AWS CLI (v1, botocore) as a user types it: documents from files,
 * shorthand tags, the CLI's own pagination. Every refusal is checked as the CLI prints it. Then
 * an IAM user as a platform team's CI admin identity: the admin creates the user and its key, the
 * CLI signs with that key (who am I, assume a role whose trust policy names the user).
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeWith } from "../../support/real-clients.js";
import { startEndpoint } from "../aws/helpers.js";
import { type CliSession, type Creds, cliError, cliSession } from "./cli.js";

const A = "111111111111";
const B = "222222222222";
const allow = (...actions: string[]) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
  });
const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "sts:AssumeRole" },
  ],
});

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let cli: CliSession;
beforeAll(async () => {
  ep = await startEndpoint();
  cli = await cliSession(ep.url, ep.accounts[0]!);
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
  await rm(cli.home, { recursive: true, force: true });
});

describeWith(["aws"], "aws iam (CLI v1, botocore)", () => {
  test("a role with a permissions boundary and tags, changed and read back", async () => {
    const boundary = (
      await cli.ok([
        "iam",
        "create-policy",
        "--policy-name",
        "ci-boundary",
        "--policy-document",
        await cli.file("boundary.json", allow("s3:*", "cloudformation:*")),
        "--tags",
        "Key=purpose,Value=boundary",
      ])
    ).Policy.Arn;
    const created = await cli.ok([
      "iam",
      "create-role",
      "--role-name",
      "deploy",
      "--assume-role-policy-document",
      await cli.file("trust.json", TRUST),
      "--permissions-boundary",
      boundary,
      "--description",
      "deploys the web app",
      "--max-session-duration",
      "7200",
      "--tags",
      "Key=team,Value=platform",
      "Key=env,Value=prod",
    ]);
    expect(created.Role).toMatchObject({
      RoleName: "deploy",
      PermissionsBoundary: { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: boundary },
      Tags: [
        { Key: "team", Value: "platform" },
        { Key: "env", Value: "prod" },
      ],
    });
    // The CLI decodes the URL-encoded document back into JSON.
    expect(created.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(TRUST));

    await cli.ok(["iam", "tag-role", "--role-name", "deploy", "--tags", "Key=owner,Value=alice"]);
    await cli.ok(["iam", "untag-role", "--role-name", "deploy", "--tag-keys", "env"]);
    expect((await cli.ok(["iam", "list-role-tags", "--role-name", "deploy"])).Tags).toEqual([
      { Key: "team", Value: "platform" },
      { Key: "owner", Value: "alice" },
    ]);
    await cli.ok(["iam", "update-role", "--role-name", "deploy", "--max-session-duration", "3600"]);
    await cli.ok([
      "iam",
      "update-role-description",
      "--role-name",
      "deploy",
      "--description",
      "deploys the web app and its CDN",
    ]);
    await cli.ok([
      "iam",
      "put-role-permissions-boundary",
      "--role-name",
      "deploy",
      "--permissions-boundary",
      "arn:aws:iam::aws:policy/PowerUserAccess",
    ]);
    const got = (await cli.ok(["iam", "get-role", "--role-name", "deploy"])).Role;
    expect(got).toMatchObject({
      Description: "deploys the web app and its CDN",
      MaxSessionDuration: 3600,
      PermissionsBoundary: { PermissionsBoundaryArn: "arn:aws:iam::aws:policy/PowerUserAccess" },
      RoleLastUsed: {},
    });
    await cli.ok(["iam", "delete-role-permissions-boundary", "--role-name", "deploy"]);
    expect(
      (await cli.ok(["iam", "get-role", "--role-name", "deploy"])).Role.PermissionsBoundary,
    ).toBeUndefined();

    const entities = await cli.ok([
      "iam",
      "list-entities-for-policy",
      "--policy-arn",
      boundary,
      "--policy-usage-filter",
      "PermissionsBoundary",
    ]);
    expect(entities).toEqual({ PolicyGroups: [], PolicyUsers: [], PolicyRoles: [] });
  }, 120_000);

  test("refusals, as the CLI prints them", async () => {
    const badTag = await cli.aws([
      "iam",
      "tag-role",
      "--role-name",
      "deploy",
      "--tags",
      "Key=cost(centre),Value=41200",
    ]);
    expect(badTag.status).not.toBe(0);
    expect(badTag.stderr.trim()).toBe(
      cliError(
        "ValidationError",
        "TagRole",
        "1 validation error detected: Value 'cost(centre)' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
      ),
    );
    const dup = await cli.aws([
      "iam",
      "tag-role",
      "--role-name",
      "deploy",
      "--tags",
      "Key=Stage,Value=a",
      "Key=stage,Value=b",
    ]);
    expect(dup.stderr.trim()).toBe(
      cliError(
        "InvalidInput",
        "TagRole",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
      ),
    );
    const noBoundary = await cli.aws([
      "iam",
      "create-role",
      "--role-name",
      "unbounded",
      "--assume-role-policy-document",
      await cli.file("trust2.json", TRUST),
      "--permissions-boundary",
      `arn:aws:iam::${A}:policy/missing`,
    ]);
    expect(noBoundary.stderr.trim()).toBe(
      cliError(
        "NoSuchEntity",
        "CreateRole",
        `Scope ARN: arn:aws:iam::${A}:policy/missing does not exist or is not attachable.`,
      ),
    );
    const missing = await cli.aws(["iam", "get-role", "--role-name", "unbounded"]);
    expect(missing.stderr.trim()).toBe(
      cliError("NoSuchEntity", "GetRole", "The role with name unbounded cannot be found."),
    );
  }, 120_000);

  test("managed-policy versions", async () => {
    const arn = (
      await cli.ok([
        "iam",
        "create-policy",
        "--policy-name",
        "deploy-web",
        "--policy-document",
        await cli.file("v1.json", allow("s3:GetObject")),
      ])
    ).Policy.Arn;
    for (const [i, action] of ["s3:PutObject", "s3:DeleteObject", "s3:ListBucket"].entries()) {
      const v = await cli.ok([
        "iam",
        "create-policy-version",
        "--policy-arn",
        arn,
        "--policy-document",
        await cli.file(`v${i + 2}.json`, allow(action)),
        ...(i === 0 ? ["--set-as-default"] : []),
      ]);
      expect(v.PolicyVersion.VersionId).toBe(`v${i + 2}`);
    }
    await cli.ok([
      "iam",
      "create-policy-version",
      "--policy-arn",
      arn,
      "--policy-document",
      await cli.file("v5.json", allow("s3:GetBucketLocation")),
    ]);
    const sixth = await cli.aws([
      "iam",
      "create-policy-version",
      "--policy-arn",
      arn,
      "--policy-document",
      await cli.file("v6.json", allow("s3:*")),
    ]);
    expect(sixth.stderr.trim()).toBe(
      cliError(
        "LimitExceeded",
        "CreatePolicyVersion",
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
      ),
    );
    const listed = await cli.ok(["iam", "list-policy-versions", "--policy-arn", arn]);
    expect(
      listed.Versions.map((v: { VersionId: string; IsDefaultVersion: boolean }) => [
        v.VersionId,
        v.IsDefaultVersion,
      ]),
    ).toEqual([
      ["v5", false],
      ["v4", false],
      ["v3", false],
      ["v2", true],
      ["v1", false],
    ]);
    const v2 = await cli.ok([
      "iam",
      "get-policy-version",
      "--policy-arn",
      arn,
      "--version-id",
      "v2",
    ]);
    expect(v2.PolicyVersion.Document).toEqual(JSON.parse(allow("s3:PutObject")));
    const deleteDefault = await cli.aws([
      "iam",
      "delete-policy-version",
      "--policy-arn",
      arn,
      "--version-id",
      "v2",
    ]);
    expect(deleteDefault.stderr.trim()).toBe(
      cliError(
        "DeleteConflict",
        "DeletePolicyVersion",
        "Cannot delete the default version of a policy.",
      ),
    );
    await cli.ok(["iam", "set-default-policy-version", "--policy-arn", arn, "--version-id", "v5"]);
    await cli.ok(["iam", "delete-policy-version", "--policy-arn", arn, "--version-id", "v2"]);
    expect((await cli.ok(["iam", "get-policy", "--policy-arn", arn])).Policy.DefaultVersionId).toBe(
      "v5",
    );
  }, 120_000);

  test("get-account-authorization-details, which the CLI pages through itself", async () => {
    for (let i = 0; i < 4; i++) {
      await cli.ok([
        "iam",
        "create-role",
        "--role-name",
        `svc-${i}`,
        "--assume-role-policy-document",
        await cli.file(`t${i}.json`, TRUST),
      ]);
    }
    await cli.ok([
      "iam",
      "attach-role-policy",
      "--role-name",
      "svc-0",
      "--policy-arn",
      "arn:aws:iam::aws:policy/AdministratorAccess",
    ]);
    const all = await cli.ok([
      "iam",
      "get-account-authorization-details",
      "--filter",
      "Role",
      "AWSManagedPolicy",
      "--page-size",
      "2",
    ]);
    expect(all.RoleDetailList.map((r: { RoleName: string }) => r.RoleName)).toEqual([
      "deploy",
      "svc-0",
      "svc-1",
      "svc-2",
      "svc-3",
    ]);
    expect(all.RoleDetailList[1].AttachedManagedPolicies).toEqual([
      {
        PolicyName: "AdministratorAccess",
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      },
    ]);
    expect(all.Policies.map((p: { PolicyName: string }) => p.PolicyName)).toEqual([
      "AdministratorAccess",
    ]);
    expect(all.Policies[0].PolicyVersionList[0].Document).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["*"], Resource: "*" }],
    });
    const badFilter = await cli.aws([
      "iam",
      "get-account-authorization-details",
      "--filter",
      "Robot",
    ]);
    expect(badFilter.stderr.trim()).toBe(
      cliError(
        "ValidationError",
        "GetAccountAuthorizationDetails",
        "1 validation error detected: Value '[Robot]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]]",
      ),
    );
  }, 120_000);

  test("OIDC providers: tags, and a delete that is idempotent", async () => {
    const arn = (
      await cli.ok([
        "iam",
        "create-open-id-connect-provider",
        "--url",
        "https://token.actions.githubusercontent.com",
        "--client-id-list",
        "sts.amazonaws.com",
        "--thumbprint-list",
        "6938fd4d98bab03faadb97b34396831e3780aea1",
        "--tags",
        "Key=issuer,Value=github",
      ])
    ).OpenIDConnectProviderArn;
    await cli.ok([
      "iam",
      "tag-open-id-connect-provider",
      "--open-id-connect-provider-arn",
      arn,
      "--tags",
      "Key=owner,Value=platform",
    ]);
    expect(
      (
        await cli.ok([
          "iam",
          "list-open-id-connect-provider-tags",
          "--open-id-connect-provider-arn",
          arn,
        ])
      ).Tags,
    ).toEqual([
      { Key: "issuer", Value: "github" },
      { Key: "owner", Value: "platform" },
    ]);
    for (let i = 0; i < 2; i++) {
      const r = await cli.aws([
        "iam",
        "delete-open-id-connect-provider",
        "--open-id-connect-provider-arn",
        arn,
      ]);
      expect(r).toMatchObject({ status: 0, stderr: "" });
    }
  }, 120_000);
});

describeWith(["aws"], "aws iam users and their keys (CLI v1, botocore)", () => {
  test("a user's key signs get-caller-identity and assume-role; delete-user waits for its key", async () => {
    const user = (await cli.ok(["iam", "create-user", "--user-name", "ci-admin", "--path", "/ci/"]))
      .User;
    expect(user).toMatchObject({
      UserName: "ci-admin",
      Path: "/ci/",
      Arn: `arn:aws:iam::${A}:user/ci/ci-admin`,
    });
    const key = (await cli.ok(["iam", "create-access-key", "--user-name", "ci-admin"])).AccessKey;
    expect(key).toMatchObject({ UserName: "ci-admin", Status: "Active" });
    const creds: Creds = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };

    expect(await cli.ok(["sts", "get-caller-identity"], { creds })).toEqual({
      UserId: user.UserId,
      Account: A,
      Arn: `arn:aws:iam::${A}:user/ci/ci-admin`,
    });
    // Without --user-name the CLI acts on the signing user itself.
    expect((await cli.ok(["iam", "get-user"], { creds })).User.UserName).toBe("ci-admin");

    const trust = await cli.file(
      "trust-user.json",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${A}:user/ci/ci-admin` },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    );
    await cli.ok(
      [
        "iam",
        "create-role",
        "--role-name",
        "deployer",
        "--assume-role-policy-document",
        trust,
        "--max-session-duration",
        "7200",
      ],
      { creds: ep.accounts[1]! },
    );
    const assumed = await cli.ok(
      [
        "sts",
        "assume-role",
        "--role-arn",
        `arn:aws:iam::${B}:role/deployer`,
        "--role-session-name",
        "release",
        "--duration-seconds",
        "7200",
      ],
      { creds },
    );
    expect(assumed.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${B}:assumed-role/deployer/release`);
    const session: Creds = {
      accessKeyId: assumed.Credentials.AccessKeyId,
      secretAccessKey: assumed.Credentials.SecretAccessKey,
      sessionToken: assumed.Credentials.SessionToken,
    };
    expect((await cli.ok(["sts", "get-caller-identity"], { creds: session })).Arn).toBe(
      `arn:aws:sts::${B}:assumed-role/deployer/release`,
    );

    const refused = await cli.aws(["iam", "delete-user", "--user-name", "ci-admin"]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.trim()).toBe(
      cliError(
        "DeleteConflict",
        "DeleteUser",
        "Cannot delete entity, must delete access keys first.",
      ),
    );

    await cli.ok([
      "iam",
      "update-access-key",
      "--user-name",
      "ci-admin",
      "--access-key-id",
      key.AccessKeyId,
      "--status",
      "Inactive",
    ]);
    const inactive = await cli.aws(["sts", "get-caller-identity"], { creds });
    expect(inactive.stderr.trim()).toBe(
      cliError(
        "InvalidClientTokenId",
        "GetCallerIdentity",
        "The security token included in the request is invalid.",
      ),
    );

    await cli.ok([
      "iam",
      "delete-access-key",
      "--user-name",
      "ci-admin",
      "--access-key-id",
      key.AccessKeyId,
    ]);
    await cli.ok(["iam", "delete-user", "--user-name", "ci-admin"]);
    const gone = await cli.aws(["iam", "get-user", "--user-name", "ci-admin"]);
    expect(gone.stderr.trim()).toBe(
      cliError("NoSuchEntity", "GetUser", "The user with name ci-admin cannot be found."),
    );
  });

  test("a third key is refused in AWS's words; list-users pages with the CLI's paginator", async () => {
    await cli.ok(["iam", "create-user", "--user-name", "rotating"]);
    await cli.ok(["iam", "create-access-key", "--user-name", "rotating"]);
    await cli.ok(["iam", "create-access-key", "--user-name", "rotating"]);
    const third = await cli.aws(["iam", "create-access-key", "--user-name", "rotating"]);
    expect(third.stderr.trim()).toBe(
      cliError("LimitExceeded", "CreateAccessKey", "Cannot exceed quota for AccessKeysPerUser: 2"),
    );
    for (const n of ["svc-1", "svc-2", "svc-3"]) {
      await cli.ok(["iam", "create-user", "--user-name", n, "--path", "/svc/"]);
    }
    // --page-size 1 makes the CLI follow Marker page by page.
    const listed = await cli.ok([
      "iam",
      "list-users",
      "--path-prefix",
      "/svc/",
      "--page-size",
      "1",
    ]);
    expect(listed.Users.map((u: { UserName: string }) => u.UserName)).toEqual([
      "svc-1",
      "svc-2",
      "svc-3",
    ]);
  });
});
