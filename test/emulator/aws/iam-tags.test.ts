import {
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  ListOpenIDConnectProviderTagsCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  TagOpenIDConnectProviderCommand,
  TagPolicyCommand,
  TagRoleCommand,
  UntagOpenIDConnectProviderCommand,
  UntagPolicyCommand,
  UntagRoleCommand,
} from "@aws-sdk/client-iam";
import { describe, expect, test } from "vitest";
import { allowPolicy, failure, iamSuite, TRUST_ROOT } from "./helpers.js";

const A = "111111111111";
const DOC = allowPolicy("s3:ListBucket");

const suite = iamSuite();

const many = (n: number, prefix = "k") =>
  Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));

describe("role tags", () => {
  test("given at creation, added, replaced without regard to case, removed, listed in pages", async () => {
    await suite.client.send(
      new CreateRoleCommand({
        RoleName: "tagged",
        AssumeRolePolicyDocument: TRUST_ROOT(A),
        Tags: [
          { Key: "team", Value: "platform" },
          { Key: "cost-centre", Value: "41200" },
        ],
      }),
    );
    await suite.client.send(
      new TagRoleCommand({
        RoleName: "tagged",
        Tags: [
          { Key: "Team", Value: "payments" },
          { Key: "empty", Value: "" },
        ],
      }),
    );
    const got = await suite.client.send(new GetRoleCommand({ RoleName: "tagged" }));
    expect(got.Role?.Tags).toEqual([
      { Key: "Team", Value: "payments" },
      { Key: "cost-centre", Value: "41200" },
      { Key: "empty", Value: "" },
    ]);

    const first = await suite.client.send(
      new ListRoleTagsCommand({ RoleName: "tagged", MaxItems: 2 }),
    );
    expect(first.Tags).toHaveLength(2);
    expect(first.IsTruncated).toBe(true);
    const rest = await suite.client.send(
      new ListRoleTagsCommand({ RoleName: "tagged", Marker: first.Marker }),
    );
    expect(rest).toMatchObject({ Tags: [{ Key: "empty", Value: "" }], IsTruncated: false });

    await suite.client.send(
      new UntagRoleCommand({ RoleName: "tagged", TagKeys: ["TEAM", "not-there"] }),
    );
    const after = await suite.client.send(new ListRoleTagsCommand({ RoleName: "tagged" }));
    expect(after.Tags?.map((t) => t.Key)).toEqual(["cost-centre", "empty"]);

    // Lists leave tags out, as IAM's do.
    const listed = await suite.client.send(new ListRolesCommand({}));
    expect(listed.Roles?.find((r) => r.RoleName === "tagged")?.Tags).toBeUndefined();
  });

  test("refuses what IAM refuses, with IAM's codes and words, and changes nothing", async () => {
    await suite.client.send(
      new CreateRoleCommand({ RoleName: "strict", AssumeRolePolicyDocument: TRUST_ROOT(A) }),
    );
    const dup = await failure(
      suite.client.send(
        new TagRoleCommand({
          RoleName: "strict",
          Tags: [
            { Key: "env", Value: "a" },
            { Key: "ENV", Value: "b" },
          ],
        }),
      ),
    );
    expect(dup).toEqual({
      name: "InvalidInputException",
      status: 400,
      message: "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    });

    const bad = await failure(
      suite.client.send(
        new TagRoleCommand({
          RoleName: "strict",
          Tags: [
            { Key: "ok", Value: "bot[1]" },
            { Key: "k".repeat(129), Value: "v" },
            { Key: "fine", Value: "x".repeat(257) },
          ],
        }),
      ),
    );
    expect(bad).toMatchObject({ name: "ValidationError", status: 400 });
    expect(bad.message).toBe(
      "3 validation errors detected: " +
        "Value 'bot[1]' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*; " +
        `Value '${"k".repeat(129)}' at 'tags.2.member.key' failed to satisfy constraint: Member must have length less than or equal to 128; ` +
        `Value '${"x".repeat(257)}' at 'tags.3.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );

    const tooMany = await failure(
      suite.client.send(new TagRoleCommand({ RoleName: "strict", Tags: many(51) })),
    );
    expect(tooMany).toMatchObject({ name: "ValidationError", status: 400 });
    expect(tooMany.message).toContain(
      "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );

    await suite.client.send(new TagRoleCommand({ RoleName: "strict", Tags: many(30, "a") }));
    const overQuota = await failure(
      suite.client.send(new TagRoleCommand({ RoleName: "strict", Tags: many(21, "b") })),
    );
    expect(overQuota).toEqual({
      name: "LimitExceededException",
      status: 409,
      message: "Cannot exceed quota for TagsPerRole: 50",
    });
    // Replacing tags on a role at its quota is no growth.
    await suite.client.send(new TagRoleCommand({ RoleName: "strict", Tags: many(20, "b") }));
    await suite.client.send(
      new TagRoleCommand({ RoleName: "strict", Tags: many(50, "a").slice(0, 30) }),
    );
    expect(
      (await suite.client.send(new ListRoleTagsCommand({ RoleName: "strict" }))).Tags,
    ).toHaveLength(50);

    const reserved = await failure(
      suite.client.send(
        new TagRoleCommand({ RoleName: "strict", Tags: [{ Key: "aws:x", Value: "y" }] }),
      ),
    );
    expect(reserved).toMatchObject({ name: "InvalidInputException", status: 400 });

    const missing = await failure(
      suite.client.send(
        new TagRoleCommand({ RoleName: "nobody", Tags: [{ Key: "a", Value: "b" }] }),
      ),
    );
    expect(missing).toEqual({
      name: "NoSuchEntityException",
      status: 404,
      message: "The role with name nobody cannot be found.",
    });
  });

  test("CreateRole with bad tags lists every violation with the others and creates nothing", async () => {
    const f = await failure(
      suite.client.send(
        new CreateRoleCommand({
          RoleName: "has space",
          AssumeRolePolicyDocument: TRUST_ROOT(A),
          MaxSessionDuration: 60,
          Tags: [{ Key: "a#b", Value: "v" }],
        }),
      ),
    );
    expect(f.name).toBe("ValidationError");
    expect(f.message).toBe(
      "3 validation errors detected: " +
        "Value 'has space' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; " +
        "Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600; " +
        "Value 'a#b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    );
    const dup = await failure(
      suite.client.send(
        new CreateRoleCommand({
          RoleName: "dup-tags",
          AssumeRolePolicyDocument: TRUST_ROOT(A),
          Tags: [
            { Key: "Owner", Value: "a" },
            { Key: "owner", Value: "b" },
          ],
        }),
      ),
    );
    expect(dup.name).toBe("InvalidInputException");
    expect(
      (await failure(suite.client.send(new GetRoleCommand({ RoleName: "dup-tags" })))).name,
    ).toBe("NoSuchEntityException");
  });
});

describe("OIDC provider tags", () => {
  test("at creation and after, with the same rules", async () => {
    const created = await suite.client.send(
      new CreateOpenIDConnectProviderCommand({
        Url: "https://token.actions.githubusercontent.com",
        ClientIDList: ["sts.amazonaws.com"],
        ThumbprintList: ["a".repeat(40)],
        Tags: [{ Key: "issuer", Value: "github" }],
      }),
    );
    expect(created.Tags).toEqual([{ Key: "issuer", Value: "github" }]);
    const arn = created.OpenIDConnectProviderArn!;
    await suite.client.send(
      new TagOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: arn,
        Tags: [{ Key: "owner", Value: "platform" }],
      }),
    );
    await suite.client.send(
      new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ["issuer"] }),
    );
    const listed = await suite.client.send(
      new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn }),
    );
    expect(listed).toMatchObject({
      Tags: [{ Key: "owner", Value: "platform" }],
      IsTruncated: false,
    });
    expect(
      (
        await suite.client.send(
          new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
        )
      ).Tags,
    ).toEqual([{ Key: "owner", Value: "platform" }]);

    const over = await failure(
      suite.client.send(
        new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: many(50) }),
      ),
    );
    expect(over).toMatchObject({
      name: "LimitExceededException",
      message: "Cannot exceed quota for TagsPerOpenIdConnectProvider: 50",
    });
  });
});

describe("managed policy tags", () => {
  test("at creation and after; GetPolicy shows them, ListPolicies does not", async () => {
    const created = await suite.client.send(
      new CreatePolicyCommand({
        PolicyName: "tagged-policy",
        PolicyDocument: DOC,
        Tags: [{ Key: "owner", Value: "platform" }],
      }),
    );
    const arn = created.Policy!.Arn!;
    expect(created.Policy?.Tags).toEqual([{ Key: "owner", Value: "platform" }]);
    await suite.client.send(
      new TagPolicyCommand({ PolicyArn: arn, Tags: [{ Key: "data", Value: "public" }] }),
    );
    await suite.client.send(new UntagPolicyCommand({ PolicyArn: arn, TagKeys: ["OWNER"] }));
    expect((await suite.client.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).Tags).toEqual([
      { Key: "data", Value: "public" },
    ]);
    const listed = await suite.client.send(new ListPoliciesCommand({ Scope: "Local" }));
    expect(listed.Policies?.find((p) => p.Arn === arn)?.Tags).toBeUndefined();

    const awsOne = await failure(
      suite.client.send(
        new TagPolicyCommand({
          PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
          Tags: [{ Key: "a", Value: "b" }],
        }),
      ),
    );
    expect(awsOne).toMatchObject({ name: "InvalidInputException", status: 400 });
  });
});
