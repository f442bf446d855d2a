import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteOpenIDConnectProviderCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  type IAMClient,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  ListRolesCommand,
  PutRolePermissionsBoundaryCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openMemoryStore } from "../../../src/emulator/store/index.js";
import { allowPolicy, failure, iam, startEndpoint, sts, TRUST_ROOT } from "./helpers.js";
import {
  createPipelineRole,
  type PipelineIssuer,
  pipelineSession,
  startPipelineIssuer,
} from "./pipeline-issuer.js";

const A = "111111111111";
const BOUNDARY_DOC = allowPolicy(["s3:*", "cloudformation:*"]);
// The emulator's clock, near the real one (the SDK signs with the real clock).
let clock = Math.floor(Date.now() / 1000) * 1000;

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let client: IAMClient;
let issuer: PipelineIssuer;
beforeAll(async () => {
  issuer = await startPipelineIssuer();
  ep = await startEndpoint({ now: () => clock, issuerAccess: issuer.issuerAccess });
  client = iam(ep.url, ep.accounts[0]!);
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
  await issuer.close();
});

describe("permissions boundaries", () => {
  test("stored at creation, replaced, removed, and counted on the policy", async () => {
    const boundary = (
      await client.send(
        new CreatePolicyCommand({ PolicyName: "ci-boundary", PolicyDocument: BOUNDARY_DOC }),
      )
    ).Policy!.Arn!;
    const created = await client.send(
      new CreateRoleCommand({
        RoleName: "bounded",
        AssumeRolePolicyDocument: TRUST_ROOT(A),
        PermissionsBoundary: boundary,
      }),
    );
    expect(created.Role?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: "Policy",
      PermissionsBoundaryArn: boundary,
    });
    expect(
      (await client.send(new GetRoleCommand({ RoleName: "bounded" }))).Role?.PermissionsBoundary
        ?.PermissionsBoundaryArn,
    ).toBe(boundary);
    const policy = (await client.send(new GetPolicyCommand({ PolicyArn: boundary }))).Policy!;
    expect(policy).toMatchObject({ AttachmentCount: 0, PermissionsBoundaryUsageCount: 1 });

    // A policy in use as a boundary cannot be deleted.
    const inUse = await failure(client.send(new DeletePolicyCommand({ PolicyArn: boundary })));
    expect(inUse).toMatchObject({ name: "DeleteConflictException", status: 409 });

    const entities = await client.send(
      new ListEntitiesForPolicyCommand({
        PolicyArn: boundary,
        PolicyUsageFilter: "PermissionsBoundary",
      }),
    );
    expect(entities.PolicyRoles?.map((r) => r.RoleName)).toEqual(["bounded"]);
    expect(entities.PolicyUsers).toEqual([]);
    const asPermissions = await client.send(
      new ListEntitiesForPolicyCommand({
        PolicyArn: boundary,
        PolicyUsageFilter: "PermissionsPolicy",
      }),
    );
    expect(asPermissions.PolicyRoles).toEqual([]);
    const boundaries = await client.send(
      new ListPoliciesCommand({
        Scope: "Local",
        OnlyAttached: true,
        PolicyUsageFilter: "PermissionsBoundary",
      }),
    );
    expect(boundaries.Policies?.map((p) => p.Arn)).toEqual([boundary]);

    await client.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: "bounded",
        PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess",
      }),
    );
    expect(
      (await client.send(new GetRoleCommand({ RoleName: "bounded" }))).Role?.PermissionsBoundary
        ?.PermissionsBoundaryArn,
    ).toBe("arn:aws:iam::aws:policy/PowerUserAccess");
    await client.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: "bounded" }));
    await client.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: "bounded" }));
    expect(
      (await client.send(new GetRoleCommand({ RoleName: "bounded" }))).Role?.PermissionsBoundary,
    ).toBeUndefined();
    await client.send(new DeletePolicyCommand({ PolicyArn: boundary }));
  });

  test("a boundary that does not exist is refused as IAM words it, and nothing is created", async () => {
    const missing = `arn:aws:iam::${A}:policy/not-there`;
    const f = await failure(
      client.send(
        new CreateRoleCommand({
          RoleName: "unbounded",
          AssumeRolePolicyDocument: TRUST_ROOT(A),
          PermissionsBoundary: missing,
        }),
      ),
    );
    expect(f).toEqual({
      name: "NoSuchEntityException",
      status: 404,
      message: `Scope ARN: ${missing} does not exist or is not attachable.`,
    });
    expect((await failure(client.send(new GetRoleCommand({ RoleName: "unbounded" })))).name).toBe(
      "NoSuchEntityException",
    );
    await client.send(
      new CreateRoleCommand({ RoleName: "later", AssumeRolePolicyDocument: TRUST_ROOT(A) }),
    );
    const put = await failure(
      client.send(
        new PutRolePermissionsBoundaryCommand({ RoleName: "later", PermissionsBoundary: missing }),
      ),
    );
    expect(put.message).toBe(`Scope ARN: ${missing} does not exist or is not attachable.`);
    const short = await failure(
      client.send(
        new PutRolePermissionsBoundaryCommand({ RoleName: "later", PermissionsBoundary: "arn:x" }),
      ),
    );
    expect(short).toMatchObject({ name: "ValidationError", status: 400 });
    expect(short.message).toContain(
      "Value 'arn:x' at 'permissionsBoundary' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
  });
});

describe("role settings", () => {
  test("UpdateRole and UpdateRoleDescription change what they name and keep the rest", async () => {
    await client.send(
      new CreateRoleCommand({
        RoleName: "settings",
        AssumeRolePolicyDocument: TRUST_ROOT(A),
        Description: "first",
        MaxSessionDuration: 7200,
      }),
    );
    await client.send(new UpdateRoleCommand({ RoleName: "settings", MaxSessionDuration: 14400 }));
    let role = (await client.send(new GetRoleCommand({ RoleName: "settings" }))).Role!;
    expect(role).toMatchObject({ Description: "first", MaxSessionDuration: 14400 });
    const described = await client.send(
      new UpdateRoleDescriptionCommand({ RoleName: "settings", Description: "second" }),
    );
    expect(described.Role).toMatchObject({ RoleName: "settings", Description: "second" });
    role = (await client.send(new GetRoleCommand({ RoleName: "settings" }))).Role!;
    expect(role).toMatchObject({ Description: "second", MaxSessionDuration: 14400 });

    const f = await failure(
      client.send(
        new UpdateRoleCommand({
          RoleName: "settings",
          MaxSessionDuration: 50000,
          Description: "\u0001",
        }),
      ),
    );
    expect(f).toMatchObject({ name: "ValidationError", status: 400 });
    expect(f.message).toMatch(/^2 validation errors detected: /);
    const gone = await failure(
      client.send(new UpdateRoleDescriptionCommand({ RoleName: "ghost", Description: "x" })),
    );
    expect(gone).toMatchObject({ name: "NoSuchEntityException", status: 404 });
  });

  test("RoleLastUsed is empty until a session is issued, then says when and in which region", async () => {
    const usedArn = await createPipelineRole(ep.url, ep.accounts[0]!, A, "used");
    const before = (await client.send(new GetRoleCommand({ RoleName: "used" }))).Role!;
    expect(before.RoleLastUsed).toEqual({});

    // A pipeline step's exchange (unsigned: STS's global endpoint region).
    clock += 60_000;
    const step = await pipelineSession(ep.url, issuer, usedArn, "step", {
      nowMs: clock,
      clockOffsetMs: clock - Date.now(),
    });
    expect(
      (await client.send(new GetRoleCommand({ RoleName: "used" }))).Role?.RoleLastUsed,
    ).toEqual({ LastUsedDate: new Date(clock), Region: "us-east-1" });

    // A hop from that session, signed for eu-central-2.
    await client.send(
      new CreateRoleCommand({
        RoleName: "deploy",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: usedArn }, Action: "sts:AssumeRole" }],
        }),
      }),
    );
    clock += 5 * 60_000;
    const hop = sts(ep.url, step);
    hop.config.region = async () => "eu-central-2";
    hop.config.systemClockOffset = clock - Date.now();
    await hop.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/deploy`, RoleSessionName: "hop" }),
    );
    const after = (await client.send(new GetRoleCommand({ RoleName: "deploy" }))).Role!;
    expect(after.RoleLastUsed).toEqual({ LastUsedDate: new Date(clock), Region: "eu-central-2" });
    // Lists leave it out.
    const listed = await client.send(new ListRolesCommand({}));
    expect(listed.Roles?.find((r) => r.RoleName === "deploy")?.RoleLastUsed).toBeUndefined();

    // A role deleted and created again under the name starts unused.
    await client.send(new DeleteRoleCommand({ RoleName: "deploy" }));
    await client.send(
      new CreateRoleCommand({ RoleName: "deploy", AssumeRolePolicyDocument: TRUST_ROOT(A) }),
    );
    expect(
      (await client.send(new GetRoleCommand({ RoleName: "deploy" }))).Role?.RoleLastUsed,
    ).toEqual({});
  });
});

describe("ListEntitiesForPolicy", () => {
  test("roles a policy is attached to, by path, in pages; an unknown policy is NoSuchEntity", async () => {
    for (const [name, path] of [
      ["e1", "/"],
      ["e2", "/ci/"],
      ["e3", "/ci/"],
    ] as const) {
      await client.send(
        new CreateRoleCommand({
          RoleName: name,
          Path: path,
          AssumeRolePolicyDocument: TRUST_ROOT(A),
        }),
      );
      await client.send(
        new AttachRolePolicyCommand({
          RoleName: name,
          PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
        }),
      );
    }
    const all = await client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
    );
    expect(all.PolicyRoles?.map((r) => r.RoleName)).toEqual(["e1", "e2", "e3"]);
    expect(all.PolicyRoles?.[0]?.RoleId).toMatch(/^AROA/);
    const ci = await client.send(
      new ListEntitiesForPolicyCommand({
        PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
        PathPrefix: "/ci/",
        MaxItems: 1,
      }),
    );
    expect(ci).toMatchObject({ PolicyRoles: [{ RoleName: "e2" }], IsTruncated: true });
    const users = await client.send(
      new ListEntitiesForPolicyCommand({
        PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
        EntityFilter: "User",
      }),
    );
    expect(users.PolicyRoles).toEqual([]);
    const badFilter = await failure(
      client.send(
        new ListEntitiesForPolicyCommand({
          PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
          EntityFilter: "Robot" as never,
        }),
      ),
    );
    expect(badFilter.message).toBe(
      "1 validation error detected: Value 'Robot' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]",
    );
    const unknown = await failure(
      client.send(new ListEntitiesForPolicyCommand({ PolicyArn: `arn:aws:iam::${A}:policy/nope` })),
    );
    expect(unknown).toMatchObject({ name: "NoSuchEntityException", status: 404 });
    for (const name of ["e1", "e2", "e3"]) {
      await client.send(
        new DetachRolePolicyCommand({
          RoleName: name,
          PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
        }),
      );
    }
  });
});

describe("OIDC providers", () => {
  test("DeleteOpenIDConnectProvider is idempotent, as the API reference says", async () => {
    const arn = (
      await client.send(
        new CreateOpenIDConnectProviderCommand({
          Url: "https://gitlab.example.com",
          ClientIDList: ["https://gitlab.example.com"],
          ThumbprintList: ["c".repeat(40)],
        }),
      )
    ).OpenIDConnectProviderArn!;
    await client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    await client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    const bad = await failure(
      client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: "short" })),
    );
    expect(bad).toMatchObject({ name: "ValidationError", status: 400 });
  });
});

test("RoleLastUsed written behind survives a restart on the same store", async () => {
  const store = openMemoryStore();
  const first = await startEndpoint({ store, issuerAccess: issuer.issuerAccess });
  const roleArn = await createPipelineRole(first.url, first.accounts[0]!, A, "kept");
  await pipelineSession(first.url, issuer, roleArn, "step");
  await first.close();
  const second = await startEndpoint({ store, issuerAccess: issuer.issuerAccess });
  const role = (
    await iam(second.url, second.accounts[0]!).send(new GetRoleCommand({ RoleName: "kept" }))
  ).Role!;
  expect(role.RoleLastUsed?.Region).toBe("us-east-1");
  await second.close();
});
