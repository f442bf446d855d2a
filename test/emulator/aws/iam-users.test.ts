/**
 * IAM users and their access keys through the AWS SDK: what IAM answers and refuses, and what a
 * user's key is worth when it signs (GetCallerIdentity, AssumeRole through the one decision).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeletePolicyCommand,
  DeleteUserCommand,
  DetachUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetPolicyCommand,
  GetUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStore } from "../../../src/emulator/store/index.js";
import { allowPolicy, type Creds, failure, iam, startEndpoint, sts } from "./helpers.js";

const A = "111111111111";
const B = "222222222222";
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let admin: IAMClient;
beforeAll(async () => {
  ep = await startEndpoint();
  admin = iam(ep.url, ep.accounts[0]!);
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
});

async function userWithKey(name: string, path?: string): Promise<Creds> {
  await admin.send(new CreateUserCommand({ UserName: name, ...(path ? { Path: path } : {}) }));
  const key = (await admin.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
}

const trustUser = (arn: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: arn }, Action: "sts:AssumeRole" }],
  });

describe("users", () => {
  test("created with a path and tags, read back, listed by path prefix without tags", async () => {
    const created = (
      await admin.send(
        new CreateUserCommand({
          UserName: "deployer",
          Path: "/ci/",
          Tags: [{ Key: "team", Value: "platform" }],
        }),
      )
    ).User!;
    expect(created).toMatchObject({
      UserName: "deployer",
      Path: "/ci/",
      Arn: `arn:aws:iam::${A}:user/ci/deployer`,
      Tags: [{ Key: "team", Value: "platform" }],
    });
    expect(created.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(created.CreateDate).toBeInstanceOf(Date);

    const got = (await admin.send(new GetUserCommand({ UserName: "DEPLOYER" }))).User!;
    expect(got).toMatchObject({ UserName: "deployer", UserId: created.UserId });

    await admin.send(new CreateUserCommand({ UserName: "other" }));
    const ci = (await admin.send(new ListUsersCommand({ PathPrefix: "/ci/" }))).Users!;
    expect(ci.map((u) => u.UserName)).toEqual(["deployer"]);
    expect(ci[0]!.Tags).toBeUndefined();
    // Another account sees none of them.
    const inB = await iam(ep.url, ep.accounts[1]!).send(new ListUsersCommand({}));
    expect(inB.Users).toEqual([]);
  });

  test("a second user of one name (in any case) is EntityAlreadyExists", async () => {
    await admin.send(new CreateUserCommand({ UserName: "twice" }));
    expect(await failure(admin.send(new CreateUserCommand({ UserName: "TWICE" })))).toEqual({
      name: "EntityAlreadyExistsException",
      status: 409,
      message: "User with name TWICE already exists.",
    });
  });

  test("an unknown user is NoSuchEntity; a bad name a ValidationError", async () => {
    expect(await failure(admin.send(new GetUserCommand({ UserName: "ghost" })))).toEqual({
      name: "NoSuchEntityException",
      status: 404,
      message: "The user with name ghost cannot be found.",
    });
    expect(await failure(admin.send(new DeleteUserCommand({ UserName: "ghost" })))).toMatchObject({
      name: "NoSuchEntityException",
      status: 404,
    });
    const bad = await failure(admin.send(new CreateUserCommand({ UserName: "no spaces" })));
    expect(bad).toMatchObject({ name: "ValidationError", status: 400 });
    expect(bad.message).toContain("at 'userName' failed to satisfy constraint");
  });

  test("PermissionsBoundary on a user is refused with what to do", async () => {
    const r = await failure(
      admin.send(
        new CreateUserCommand({
          UserName: "bounded",
          PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess",
        }),
      ),
    );
    expect(r).toMatchObject({ name: "InvalidInputException", status: 400 });
    expect(r.message).toContain("create the user without PermissionsBoundary");
  });

  test("ListUsers pages with Marker and MaxItems", async () => {
    for (const n of ["page-1", "page-2", "page-3"]) {
      await admin.send(new CreateUserCommand({ UserName: n, Path: "/paged/" }));
    }
    const first = await admin.send(new ListUsersCommand({ PathPrefix: "/paged/", MaxItems: 2 }));
    expect(first.Users!.map((u) => u.UserName)).toEqual(["page-1", "page-2"]);
    expect(first.IsTruncated).toBe(true);
    const second = await admin.send(
      new ListUsersCommand({ PathPrefix: "/paged/", MaxItems: 2, Marker: first.Marker! }),
    );
    expect(second.Users!.map((u) => u.UserName)).toEqual(["page-3"]);
    expect(second.IsTruncated).toBe(false);
  });

  test("tags are added, merged and listed", async () => {
    await admin.send(new CreateUserCommand({ UserName: "tagged" }));
    await admin.send(
      new TagUserCommand({ UserName: "tagged", Tags: [{ Key: "env", Value: "prod" }] }),
    );
    const tags = (await admin.send(new ListUserTagsCommand({ UserName: "tagged" }))).Tags;
    expect(tags).toEqual([{ Key: "env", Value: "prod" }]);
  });

  test("appear in GetAccountAuthorizationDetails' UserDetailList, alone with Filter User", async () => {
    await admin.send(new CreateUserCommand({ UserName: "audited", Path: "/audit/" }));
    const out = await admin.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["User"] }));
    const detail = out.UserDetailList!.find((u) => u.UserName === "audited")!;
    expect(detail).toMatchObject({
      Path: "/audit/",
      Arn: `arn:aws:iam::${A}:user/audit/audited`,
      UserPolicyList: [],
      GroupList: [],
      AttachedManagedPolicies: [],
    });
    expect(out.RoleDetailList).toEqual([]);
    const roles = await admin.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Role"] }));
    expect(roles.UserDetailList).toEqual([]);
  });
});

describe("access keys", () => {
  test("AKIA ids, the secret returned once, two per user at most, Active or Inactive", async () => {
    await admin.send(new CreateUserCommand({ UserName: "rotator" }));
    const one = (await admin.send(new CreateAccessKeyCommand({ UserName: "rotator" }))).AccessKey!;
    expect(one).toMatchObject({ UserName: "rotator", Status: "Active" });
    expect(one.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(one.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    const two = (await admin.send(new CreateAccessKeyCommand({ UserName: "rotator" }))).AccessKey!;
    // Inactive keys still count against the quota.
    await admin.send(
      new UpdateAccessKeyCommand({
        UserName: "rotator",
        AccessKeyId: two.AccessKeyId!,
        Status: "Inactive",
      }),
    );
    expect(await failure(admin.send(new CreateAccessKeyCommand({ UserName: "rotator" })))).toEqual({
      name: "LimitExceededException",
      status: 409,
      message: "Cannot exceed quota for AccessKeysPerUser: 2",
    });
    const listed = (await admin.send(new ListAccessKeysCommand({ UserName: "rotator" })))
      .AccessKeyMetadata!;
    expect(listed.map((k) => [k.AccessKeyId, k.Status])).toEqual([
      [one.AccessKeyId, "Active"],
      [two.AccessKeyId, "Inactive"],
    ]);
    expect(JSON.stringify(listed)).not.toContain(one.SecretAccessKey);

    const badStatus = await failure(
      admin.send(
        new UpdateAccessKeyCommand({
          UserName: "rotator",
          AccessKeyId: one.AccessKeyId!,
          Status: "Paused" as "Active",
        }),
      ),
    );
    expect(badStatus.message).toContain(
      "Value 'Paused' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]",
    );
    await admin.send(
      new DeleteAccessKeyCommand({ UserName: "rotator", AccessKeyId: two.AccessKeyId! }),
    );
    await admin.send(new CreateAccessKeyCommand({ UserName: "rotator" }));
  });

  test("another user's key, or none, is NoSuchEntity", async () => {
    await admin.send(new CreateUserCommand({ UserName: "owner" }));
    await admin.send(new CreateUserCommand({ UserName: "stranger" }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: "owner" }))).AccessKey!;
    expect(
      await failure(
        admin.send(
          new DeleteAccessKeyCommand({ UserName: "stranger", AccessKeyId: key.AccessKeyId! }),
        ),
      ),
    ).toEqual({
      name: "NoSuchEntityException",
      status: 404,
      message: `The Access Key with id ${key.AccessKeyId} cannot be found.`,
    });
  });

  test("DeleteUser is refused while the user has an access key", async () => {
    await admin.send(new CreateUserCommand({ UserName: "leaving" }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: "leaving" }))).AccessKey!;
    expect(await failure(admin.send(new DeleteUserCommand({ UserName: "leaving" })))).toEqual({
      name: "DeleteConflictException",
      status: 409,
      message: "Cannot delete entity, must delete access keys first.",
    });
    await admin.send(
      new DeleteAccessKeyCommand({ UserName: "leaving", AccessKeyId: key.AccessKeyId! }),
    );
    await admin.send(new DeleteUserCommand({ UserName: "leaving" }));
    expect(await failure(admin.send(new GetUserCommand({ UserName: "leaving" })))).toMatchObject({
      name: "NoSuchEntityException",
    });
  });
});

describe("signing with a user's key", () => {
  test("GetCallerIdentity names the user; GetUser and the key actions default to it", async () => {
    const creds = await userWithKey("signer", "/ci/");
    const who = await sts(ep.url, creds).send(new GetCallerIdentityCommand({}));
    const user = (await admin.send(new GetUserCommand({ UserName: "signer" }))).User!;
    expect(who).toMatchObject({
      Account: A,
      Arn: `arn:aws:iam::${A}:user/ci/signer`,
      UserId: user.UserId,
    });
    const self = iam(ep.url, creds);
    expect((await self.send(new GetUserCommand({}))).User!.UserName).toBe("signer");
    const second = (await self.send(new CreateAccessKeyCommand({}))).AccessKey!;
    expect(second.UserName).toBe("signer");
    const mine = (await self.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!;
    expect(mine.map((k) => k.AccessKeyId)).toEqual([creds.accessKeyId, second.AccessKeyId]);
  });

  test("an Inactive key, a deleted key, or a key with a session token is InvalidClientTokenId", async () => {
    const creds = await userWithKey("switched");
    const invalid = {
      name: "InvalidClientTokenId",
      status: 403,
      message: "The security token included in the request is invalid.",
    };
    await admin.send(
      new UpdateAccessKeyCommand({
        UserName: "switched",
        AccessKeyId: creds.accessKeyId,
        Status: "Inactive",
      }),
    );
    expect(await failure(sts(ep.url, creds).send(new GetCallerIdentityCommand({})))).toEqual(
      invalid,
    );
    await admin.send(
      new UpdateAccessKeyCommand({
        UserName: "switched",
        AccessKeyId: creds.accessKeyId,
        Status: "Active",
      }),
    );
    await sts(ep.url, creds).send(new GetCallerIdentityCommand({}));
    expect(
      await failure(
        sts(ep.url, { ...creds, sessionToken: "x" }).send(new GetCallerIdentityCommand({})),
      ),
    ).toEqual(invalid);
    await admin.send(
      new DeleteAccessKeyCommand({ UserName: "switched", AccessKeyId: creds.accessKeyId }),
    );
    expect(await failure(sts(ep.url, creds).send(new GetCallerIdentityCommand({})))).toEqual(
      invalid,
    );
  });

  test("a wrong secret for a user's key is SignatureDoesNotMatch", async () => {
    const creds = await userWithKey("mistyped");
    const r = await failure(
      sts(ep.url, { ...creds, secretAccessKey: `${creds.secretAccessKey.slice(0, -1)}x` }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    expect(r).toMatchObject({ name: "SignatureDoesNotMatch", status: 403 });
  });

  test("a role session must name the user; the root user gets its own identity", async () => {
    await admin.send(
      new CreateRoleCommand({
        RoleName: "user-reader",
        AssumeRolePolicyDocument: trustUser(`arn:aws:iam::${A}:root`),
      }),
    );
    const session = (
      await sts(ep.url, await userWithKey("hopper")).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${A}:role/user-reader`,
          RoleSessionName: "read",
        }),
      )
    ).Credentials!;
    const asRole = iam(ep.url, {
      accessKeyId: session.AccessKeyId!,
      secretAccessKey: session.SecretAccessKey!,
      sessionToken: session.SessionToken!,
    });
    expect(await failure(asRole.send(new GetUserCommand({})))).toEqual({
      name: "ValidationError",
      status: 400,
      message: "Must specify userName when calling with non-User credentials",
    });
    expect((await asRole.send(new GetUserCommand({ UserName: "hopper" }))).User!.UserName).toBe(
      "hopper",
    );
    const root = (await admin.send(new GetUserCommand({}))).User!;
    expect(root).toMatchObject({ UserId: A, Arn: `arn:aws:iam::${A}:root` });
  });

  test("AssumeRole by a user the trust policy names, across accounts; others refused", async () => {
    const creds = await userWithKey("ci-bot");
    const userArn = `arn:aws:iam::${A}:user/ci-bot`;
    const adminB = iam(ep.url, ep.accounts[1]!);
    await adminB.send(
      new CreateRoleCommand({
        RoleName: "spoke",
        AssumeRolePolicyDocument: trustUser(userArn),
        MaxSessionDuration: 7200,
      }),
    );
    const out = await sts(ep.url, creds).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${B}:role/spoke`,
        RoleSessionName: "deploy",
        // A user's session is not chained: more than an hour is allowed.
        DurationSeconds: 7200,
      }),
    );
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${B}:assumed-role/spoke/deploy`);
    const other = await userWithKey("not-named");
    const denied = await failure(
      sts(ep.url, other).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${B}:role/spoke`,
          RoleSessionName: "deploy",
        }),
      ),
    );
    expect(denied).toEqual({
      name: "AccessDenied",
      status: 403,
      message: `User: arn:aws:iam::${A}:user/not-named is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${B}:role/spoke`,
    });
  });
});

describe("attached policies", () => {
  test("attached, listed, counted on the policy, named by ListEntitiesForPolicy and GAAD", async () => {
    await admin.send(new CreateUserCommand({ UserName: "holder", Path: "/ops/" }));
    const custom = (
      await admin.send(
        new CreatePolicyCommand({
          PolicyName: "holder-deploy",
          PolicyDocument: allowPolicy("s3:*"),
        }),
      )
    ).Policy!.Arn!;
    await admin.send(new AttachUserPolicyCommand({ UserName: "holder", PolicyArn: ADMIN }));
    await admin.send(new AttachUserPolicyCommand({ UserName: "holder", PolicyArn: custom }));
    // Attaching again changes nothing.
    await admin.send(new AttachUserPolicyCommand({ UserName: "holder", PolicyArn: custom }));
    const attached = (await admin.send(new ListAttachedUserPoliciesCommand({ UserName: "holder" })))
      .AttachedPolicies;
    expect(attached).toEqual([
      { PolicyName: "AdministratorAccess", PolicyArn: ADMIN },
      { PolicyName: "holder-deploy", PolicyArn: custom },
    ]);
    expect(
      (await admin.send(new GetPolicyCommand({ PolicyArn: custom }))).Policy!.AttachmentCount,
    ).toBe(1);
    expect(await failure(admin.send(new DeletePolicyCommand({ PolicyArn: custom })))).toMatchObject(
      {
        name: "DeleteConflictException",
        message: "Cannot delete a policy attached to entities.",
      },
    );
    const entities = await admin.send(new ListEntitiesForPolicyCommand({ PolicyArn: custom }));
    expect(entities.PolicyUsers!.map((u) => u.UserName)).toEqual(["holder"]);
    expect(entities.PolicyRoles).toEqual([]);
    const onlyRoles = await admin.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: custom, EntityFilter: "Role" }),
    );
    expect(onlyRoles.PolicyUsers).toEqual([]);

    const details = await admin.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ["User", "AWSManagedPolicy"] }),
    );
    expect(
      details.UserDetailList!.find((u) => u.UserName === "holder")!.AttachedManagedPolicies,
    ).toEqual(attached);
    // An AWS managed policy a user holds is listed, as one a role holds is.
    expect(details.Policies!.map((p) => p.Arn)).toContain(ADMIN);

    expect(await failure(admin.send(new DeleteUserCommand({ UserName: "holder" })))).toEqual({
      name: "DeleteConflictException",
      status: 409,
      message: "Cannot delete entity, must detach all policies first.",
    });
    await admin.send(new DetachUserPolicyCommand({ UserName: "holder", PolicyArn: ADMIN }));
    expect(
      await failure(
        admin.send(new DetachUserPolicyCommand({ UserName: "holder", PolicyArn: ADMIN })),
      ),
    ).toEqual({
      name: "NoSuchEntityException",
      status: 404,
      message: `Policy ${ADMIN} was not found.`,
    });
    await admin.send(new DetachUserPolicyCommand({ UserName: "holder", PolicyArn: custom }));
    await admin.send(new DeleteUserCommand({ UserName: "holder" }));
  });

  test("an eleventh policy is LimitExceeded; a policy that is not there NoSuchEntity", async () => {
    await admin.send(new CreateUserCommand({ UserName: "collector" }));
    for (let i = 1; i <= 11; i++) {
      const arn = (
        await admin.send(
          new CreatePolicyCommand({
            PolicyName: `collect-${i}`,
            PolicyDocument: allowPolicy("s3:*"),
          }),
        )
      ).Policy!.Arn!;
      const attach = admin.send(
        new AttachUserPolicyCommand({ UserName: "collector", PolicyArn: arn }),
      );
      if (i <= 10) await attach;
      else
        expect(await failure(attach)).toEqual({
          name: "LimitExceededException",
          status: 409,
          message: "Cannot exceed quota for PoliciesPerUser: 10",
        });
    }
    const missing = `arn:aws:iam::${A}:policy/not-there`;
    expect(
      await failure(
        admin.send(new AttachUserPolicyCommand({ UserName: "collector", PolicyArn: missing })),
      ),
    ).toMatchObject({
      name: "NoSuchEntityException",
      message: `Policy ${missing} does not exist or is not attachable.`,
    });
  });
});

test("users and their keys survive a restart on the same state directory", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bb-oidc-iam-users-"));
  try {
    let store = await openStore(dir);
    const first = await startEndpoint({ store });
    const root = first.accounts[0]!;
    await iam(first.url, root).send(new CreateUserCommand({ UserName: "kept" }));
    const key = (await iam(first.url, root).send(new CreateAccessKeyCommand({ UserName: "kept" })))
      .AccessKey!;
    await first.close();
    await store.close();

    store = await openStore(dir);
    const second = await startEndpoint({ store });
    const who = await sts(second.url, {
      accessKeyId: key.AccessKeyId!,
      secretAccessKey: key.SecretAccessKey!,
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:iam::${A}:user/kept`);
    await second.close();
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
