import {
  AddClientIDToOpenIDConnectProviderCommand,
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteOpenIDConnectProviderCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from "@aws-sdk/client-iam";
import { describe, expect, test } from "vitest";
import { allowPolicy, failure, iam, iamSuite, TRUST_ROOT } from "./helpers.js";

const ISSUER = "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const PROVIDER_ARN =
  "arn:aws:iam::111111111111:oidc-provider/api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const THUMB = "a".repeat(40);
const IDENTITY_POLICY = allowPolicy("s3:GetObject");

const suite = iamSuite();

describe("OIDC providers", () => {
  test("create, read, list, change and delete", async () => {
    const created = await suite.client.send(
      new CreateOpenIDConnectProviderCommand({
        Url: ISSUER,
        ClientIDList: ["ari:cloud:bitbucket::workspace/1111"],
        ThumbprintList: [THUMB.toUpperCase()],
      }),
    );
    expect(created.OpenIDConnectProviderArn).toBe(PROVIDER_ARN);

    const got = await suite.client.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }),
    );
    expect(got.Url).toBe(ISSUER.slice("https://".length));
    expect(got.ClientIDList).toEqual(["ari:cloud:bitbucket::workspace/1111"]);
    expect(got.ThumbprintList).toEqual([THUMB]);
    expect(got.CreateDate).toBeInstanceOf(Date);

    const listed = await suite.client.send(new ListOpenIDConnectProvidersCommand({}));
    expect(listed.OpenIDConnectProviderList?.map((p) => p.Arn)).toEqual([PROVIDER_ARN]);

    await suite.client.send(
      new AddClientIDToOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: PROVIDER_ARN,
        ClientID: "sts.amazonaws.com",
      }),
    );
    await suite.client.send(
      new RemoveClientIDFromOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: PROVIDER_ARN,
        ClientID: "ari:cloud:bitbucket::workspace/1111",
      }),
    );
    await suite.client.send(
      new UpdateOpenIDConnectProviderThumbprintCommand({
        OpenIDConnectProviderArn: PROVIDER_ARN,
        ThumbprintList: ["b".repeat(40)],
      }),
    );
    const changed = await suite.client.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }),
    );
    expect(changed.ClientIDList).toEqual(["sts.amazonaws.com"]);
    expect(changed.ThumbprintList).toEqual(["b".repeat(40)]);

    const dup = await failure(
      suite.client.send(
        new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: ["x"] }),
      ),
    );
    expect(dup).toMatchObject({ name: "EntityAlreadyExistsException", status: 409 });

    await suite.client.send(
      new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }),
    );
    const gone = await failure(
      suite.client.send(
        new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }),
      ),
    );
    expect(gone).toMatchObject({ name: "NoSuchEntityException", status: 404 });
    expect(gone.message).toContain(PROVIDER_ARN);
  });

  test.each([
    ["http://example.com/x", "InvalidInputException"],
    ["https://example.com/x?a=1", "InvalidInputException"],
    ["https://example.com/x#f", "InvalidInputException"],
    [`https://example.com/${"a".repeat(250)}`, "ValidationError"],
  ])("refuses Url %s", async (url, name) => {
    const f = await failure(
      suite.client.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ["a"] })),
    );
    expect(f).toMatchObject({ name, status: 400 });
  });

  test("refuses bad thumbprints and client IDs", async () => {
    const url = "https://issuer.example/t";
    const notHex = await failure(
      suite.client.send(
        new CreateOpenIDConnectProviderCommand({
          Url: url,
          ClientIDList: ["a"],
          ThumbprintList: ["z".repeat(40)],
        }),
      ),
    );
    expect(notHex).toMatchObject({ name: "InvalidInputException", status: 400 });
    const short = await failure(
      suite.client.send(
        new CreateOpenIDConnectProviderCommand({
          Url: url,
          ClientIDList: ["a"],
          ThumbprintList: ["abc"],
        }),
      ),
    );
    expect(short).toMatchObject({
      name: "ValidationError",
      status: 400,
      message:
        "1 validation error detected: Value '[abc]' at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]",
    });
    const six = await failure(
      suite.client.send(
        new CreateOpenIDConnectProviderCommand({
          Url: url,
          ClientIDList: ["a"],
          ThumbprintList: ["1", "2", "3", "4", "5", "6"].map((d) => d.repeat(40)),
        }),
      ),
    );
    expect(six).toMatchObject({ name: "ValidationError", status: 400 });
    const longId = await failure(
      suite.client.send(
        new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ["x".repeat(256)] }),
      ),
    );
    expect(longId).toMatchObject({ name: "ValidationError", status: 400 });
    const many = await failure(
      suite.client.send(
        new CreateOpenIDConnectProviderCommand({
          Url: url,
          ClientIDList: Array.from({ length: 101 }, (_, i) => `c${i}`),
        }),
      ),
    );
    expect(many).toMatchObject({ name: "LimitExceededException", status: 409 });
  });
});

describe("roles", () => {
  test("create, get (policy URL-encoded), list, update, delete", async () => {
    const trust = TRUST_ROOT("111111111111");
    const created = await suite.client.send(
      new CreateRoleCommand({
        RoleName: "deployer",
        Path: "/ci/",
        AssumeRolePolicyDocument: trust,
        MaxSessionDuration: 7200,
        Description: "deploys <things> & more",
      }),
    );
    expect(created.Role).toMatchObject({
      RoleName: "deployer",
      Path: "/ci/",
      Arn: "arn:aws:iam::111111111111:role/ci/deployer",
      MaxSessionDuration: 7200,
      Description: "deploys <things> & more",
    });
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    const got = await suite.client.send(new GetRoleCommand({ RoleName: "deployer" }));
    expect(got.Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(trust));
    expect(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)).toBe(trust);

    const dup = await failure(
      suite.client.send(
        new CreateRoleCommand({ RoleName: "DEPLOYER", AssumeRolePolicyDocument: trust }),
      ),
    );
    expect(dup).toMatchObject({ name: "EntityAlreadyExistsException", status: 409 });

    const listed = await suite.client.send(new ListRolesCommand({ PathPrefix: "/ci/" }));
    const badPrefix = await failure(suite.client.send(new ListRolesCommand({ PathPrefix: "ci" })));
    expect(badPrefix.message).toBe(
      "1 validation error detected: Value 'ci' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*",
    );
    expect(listed.Roles?.map((r) => r.RoleName)).toEqual(["deployer"]);
    expect(listed.IsTruncated).toBe(false);

    const newTrust = TRUST_ROOT("222222222222");
    await suite.client.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: "deployer", PolicyDocument: newTrust }),
    );
    const updated = await suite.client.send(new GetRoleCommand({ RoleName: "deployer" }));
    expect(decodeURIComponent(updated.Role!.AssumeRolePolicyDocument!)).toBe(newTrust);

    await suite.client.send(new DeleteRoleCommand({ RoleName: "deployer" }));
    const gone = await failure(suite.client.send(new GetRoleCommand({ RoleName: "deployer" })));
    expect(gone).toMatchObject({ name: "NoSuchEntityException", status: 404 });
    expect(gone.message).toBe("The role with name deployer cannot be found.");
  });

  test("validates trust policies, names and durations", async () => {
    const malformed = await failure(
      suite.client.send(
        new CreateRoleCommand({
          RoleName: "bad",
          AssumeRolePolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }],
          }),
        }),
      ),
    );
    expect(malformed).toMatchObject({ name: "MalformedPolicyDocumentException", status: 400 });
    const notJson = await failure(
      suite.client.send(
        new CreateRoleCommand({ RoleName: "bad", AssumeRolePolicyDocument: "{nope" }),
      ),
    );
    expect(notJson.name).toBe("MalformedPolicyDocumentException");

    const big = JSON.stringify({
      Version: "2012-10-17",
      Statement: Array.from({ length: 30 }, (_, i) => ({
        Sid: `S${i}`,
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111111111111:root" },
        Action: "sts:AssumeRole",
      })),
    });
    const tooBig = await failure(
      suite.client.send(new CreateRoleCommand({ RoleName: "big", AssumeRolePolicyDocument: big })),
    );
    expect(tooBig).toMatchObject({
      name: "LimitExceededException",
      status: 409,
      message: "Cannot exceed quota for ACLSizePerRole: 2048",
    });

    const badName = await failure(
      suite.client.send(
        new CreateRoleCommand({
          RoleName: "no spaces",
          AssumeRolePolicyDocument: TRUST_ROOT("111111111111"),
        }),
      ),
    );
    expect(badName).toMatchObject({ name: "ValidationError", status: 400 });
    expect(badName.message).toContain("roleName");

    const badDuration = await failure(
      suite.client.send(
        new CreateRoleCommand({
          RoleName: "short",
          AssumeRolePolicyDocument: TRUST_ROOT("111111111111"),
          MaxSessionDuration: 100,
        }),
      ),
    );
    expect(badDuration).toMatchObject({ name: "ValidationError", status: 400 });
  });

  test("managed and inline policies", async () => {
    await suite.client.send(
      new CreateRoleCommand({
        RoleName: "app",
        AssumeRolePolicyDocument: TRUST_ROOT("111111111111"),
      }),
    );
    await suite.client.send(
      new AttachRolePolicyCommand({
        RoleName: "app",
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    );
    const unknown = await failure(
      suite.client.send(
        new AttachRolePolicyCommand({
          RoleName: "app",
          PolicyArn: "arn:aws:iam::aws:policy/NoSuchThing",
        }),
      ),
    );
    expect(unknown).toMatchObject({ name: "NoSuchEntityException", status: 404 });

    const custom = await suite.client.send(
      new CreatePolicyCommand({ PolicyName: "read-things", PolicyDocument: IDENTITY_POLICY }),
    );
    expect(custom.Policy).toMatchObject({
      PolicyName: "read-things",
      Arn: "arn:aws:iam::111111111111:policy/read-things",
      DefaultVersionId: "v1",
      AttachmentCount: 0,
    });
    await suite.client.send(
      new AttachRolePolicyCommand({ RoleName: "app", PolicyArn: custom.Policy!.Arn! }),
    );
    const attached = await suite.client.send(
      new ListAttachedRolePoliciesCommand({ RoleName: "app" }),
    );
    expect(attached.AttachedPolicies).toEqual([
      {
        PolicyName: "AdministratorAccess",
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      },
      { PolicyName: "read-things", PolicyArn: custom.Policy!.Arn! },
    ]);
    const got = await suite.client.send(new GetPolicyCommand({ PolicyArn: custom.Policy!.Arn! }));
    expect(got.Policy?.AttachmentCount).toBe(1);
    const local = await suite.client.send(new ListPoliciesCommand({ Scope: "Local" }));
    expect(local.Policies?.map((p) => p.PolicyName)).toEqual(["read-things"]);
    const awsOnes = await suite.client.send(new ListPoliciesCommand({ Scope: "AWS", MaxItems: 5 }));
    expect(awsOnes.Policies).toHaveLength(5);
    expect(awsOnes.IsTruncated).toBe(true);

    const inUse = await failure(
      suite.client.send(new DeletePolicyCommand({ PolicyArn: custom.Policy!.Arn! })),
    );
    expect(inUse).toMatchObject({ name: "DeleteConflictException", status: 409 });

    await suite.client.send(
      new PutRolePolicyCommand({
        RoleName: "app",
        PolicyName: "inline",
        PolicyDocument: IDENTITY_POLICY,
      }),
    );
    const inline = await suite.client.send(
      new GetRolePolicyCommand({ RoleName: "app", PolicyName: "inline" }),
    );
    expect(decodeURIComponent(inline.PolicyDocument!)).toBe(IDENTITY_POLICY);
    expect(
      (await suite.client.send(new ListRolePoliciesCommand({ RoleName: "app" }))).PolicyNames,
    ).toEqual(["inline"]);

    const attachedConflict = await failure(
      suite.client.send(new DeleteRoleCommand({ RoleName: "app" })),
    );
    expect(attachedConflict).toMatchObject({ name: "DeleteConflictException", status: 409 });
    for (const arn of ["arn:aws:iam::aws:policy/AdministratorAccess", custom.Policy!.Arn!]) {
      await suite.client.send(new DetachRolePolicyCommand({ RoleName: "app", PolicyArn: arn }));
    }
    const inlineConflict = await failure(
      suite.client.send(new DeleteRoleCommand({ RoleName: "app" })),
    );
    expect(inlineConflict.message).toContain("delete policies first");
    await suite.client.send(new DeleteRolePolicyCommand({ RoleName: "app", PolicyName: "inline" }));
    await suite.client.send(new DeleteRoleCommand({ RoleName: "app" }));
    await suite.client.send(new DeletePolicyCommand({ PolicyArn: custom.Policy!.Arn! }));
  });

  test("each account sees only its own entities", async () => {
    const other = iam(suite.ep.url, suite.ep.accounts[1]!);
    await suite.client.send(
      new CreateRoleCommand({
        RoleName: "mine",
        AssumeRolePolicyDocument: TRUST_ROOT("111111111111"),
      }),
    );
    const f = await failure(other.send(new GetRoleCommand({ RoleName: "mine" })));
    expect(f.name).toBe("NoSuchEntityException");
    await suite.client.send(new DeleteRoleCommand({ RoleName: "mine" }));
  });
});
