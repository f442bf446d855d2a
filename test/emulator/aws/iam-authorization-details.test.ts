import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  type IAMClient,
  PutRolePolicyCommand,
  paginateGetAccountAuthorizationDetails,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { allowPolicy as doc, failure, iam, startEndpoint, TRUST_ROOT } from "./helpers.js";
import {
  AUDIENCE,
  ISSUER,
  type PipelineIssuer,
  pipelineSession,
  REPO,
  startPipelineIssuer,
} from "./pipeline-issuer.js";

const A = "111111111111";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let client: IAMClient;
let policyArn: string;
let issuer: PipelineIssuer;
const PIPELINE_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/${ISSUER.slice(8)}` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { [`${ISSUER.slice(8)}:sub`]: `${REPO}:*` } },
    },
  ],
});
beforeAll(async () => {
  issuer = await startPipelineIssuer();
  ep = await startEndpoint({ issuerAccess: issuer.issuerAccess });
  client = iam(ep.url, ep.accounts[0]!);
  policyArn = (
    await client.send(
      new CreatePolicyCommand({ PolicyName: "read-logs", PolicyDocument: doc("logs:Get*") }),
    )
  ).Policy!.Arn!;
  await client.send(
    new CreatePolicyVersionCommand({
      PolicyArn: policyArn,
      PolicyDocument: doc("logs:*"),
      SetAsDefault: true,
    }),
  );
  await client.send(
    new CreatePolicyCommand({
      PolicyName: "unused",
      Path: "/spare/",
      PolicyDocument: doc("sqs:*"),
    }),
  );
  for (let i = 0; i < 5; i++) {
    await client.send(
      new CreateRoleCommand({
        RoleName: `app-${i}`,
        AssumeRolePolicyDocument: i === 0 ? PIPELINE_TRUST : TRUST_ROOT(A),
        ...(i === 0
          ? {
              PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess",
              Tags: [{ Key: "team", Value: "payments" }],
            }
          : {}),
      }),
    );
  }
  await client.send(
    new AttachRolePolicyCommand({
      RoleName: "app-0",
      PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
    }),
  );
  await client.send(new AttachRolePolicyCommand({ RoleName: "app-0", PolicyArn: policyArn }));
  await client.send(
    new PutRolePolicyCommand({
      RoleName: "app-0",
      PolicyName: "inline",
      PolicyDocument: doc("sns:Publish"),
    }),
  );
  await client.send(
    new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [AUDIENCE] }),
  );
  await pipelineSession(ep.url, issuer, `arn:aws:iam::${A}:role/app-0`, "audit");
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
  await issuer.close();
});

describe("GetAccountAuthorizationDetails", () => {
  test("a role with everything that decides what it can do", async () => {
    const out = await client.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Role"] }));
    expect(out.UserDetailList).toEqual([]);
    expect(out.GroupDetailList).toEqual([]);
    expect(out.Policies).toEqual([]);
    expect(out.RoleDetailList?.map((r) => r.RoleName)).toEqual([
      "app-0",
      "app-1",
      "app-2",
      "app-3",
      "app-4",
    ]);
    const r = out.RoleDetailList![0]!;
    expect(decodeURIComponent(r.AssumeRolePolicyDocument!)).toBe(PIPELINE_TRUST);
    expect(r.RolePolicyList).toEqual([
      { PolicyName: "inline", PolicyDocument: encodeURIComponent(doc("sns:Publish")) },
    ]);
    expect(r.AttachedManagedPolicies).toEqual([
      {
        PolicyName: "AdministratorAccess",
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      },
      { PolicyName: "read-logs", PolicyArn: policyArn },
    ]);
    expect(r.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: "Policy",
      PermissionsBoundaryArn: "arn:aws:iam::aws:policy/PowerUserAccess",
    });
    expect(r.Tags).toEqual([{ Key: "team", Value: "payments" }]);
    expect(r.RoleLastUsed?.Region).toBe("us-east-1");
    expect(r.InstanceProfileList).toEqual([]);
    expect(out.RoleDetailList![1]!.RoleLastUsed).toEqual({});
    expect(out.IsTruncated).toBe(false);
  });

  test("policies: every customer one, AWS ones in use, each with all its versions", async () => {
    const local = await client.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ["LocalManagedPolicy"] }),
    );
    expect(local.RoleDetailList).toEqual([]);
    expect(local.Policies?.map((p) => p.PolicyName)).toEqual(["read-logs", "unused"]);
    const readLogs = local.Policies![0]!;
    expect(readLogs).toMatchObject({
      DefaultVersionId: "v2",
      AttachmentCount: 1,
      IsAttachable: true,
    });
    expect(
      readLogs.PolicyVersionList?.map((v) => [
        v.VersionId,
        v.IsDefaultVersion,
        decodeURIComponent(v.Document!),
      ]),
    ).toEqual([
      ["v1", false, doc("logs:Get*")],
      ["v2", true, doc("logs:*")],
    ]);

    const awsOnes = await client.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ["AWSManagedPolicy"] }),
    );
    expect(
      awsOnes.Policies?.map((p) => [
        p.PolicyName,
        p.AttachmentCount,
        p.PermissionsBoundaryUsageCount,
      ]),
    ).toEqual([
      ["AdministratorAccess", 1, 0],
      ["PowerUserAccess", 0, 1],
    ]);
    expect(
      JSON.parse(decodeURIComponent(awsOnes.Policies![0]!.PolicyVersionList![0]!.Document!))
        .Statement,
    ).toEqual([{ Effect: "Allow", Action: ["*"], Resource: "*" }]);
  });

  test("everything, page by page, through the SDK's own paginator", async () => {
    const pages: GetAccountAuthorizationDetailsCommandOutput[] = [];
    for await (const p of paginateGetAccountAuthorizationDetails({ client, pageSize: 3 }, {})) {
      pages.push(p);
    }
    expect(pages.map((p) => (p.RoleDetailList?.length ?? 0) + (p.Policies?.length ?? 0))).toEqual([
      3, 3, 3,
    ]);
    expect(pages.flatMap((p) => p.RoleDetailList ?? []).map((r) => r.RoleName)).toHaveLength(5);
    expect(pages.flatMap((p) => p.Policies ?? []).map((p) => p.PolicyName)).toEqual([
      "read-logs",
      "unused",
      "AdministratorAccess",
      "PowerUserAccess",
    ]);
    expect(pages.at(-1)?.IsTruncated).toBe(false);
  });

  test("a filter value IAM does not know, and paging out of range, are refused", async () => {
    const f = await failure(
      client.send(
        new GetAccountAuthorizationDetailsCommand({ Filter: ["Role", "Robot" as never] }),
      ),
    );
    expect(f).toEqual({
      name: "ValidationError",
      status: 400,
      message:
        "1 validation error detected: Value '[Role, Robot]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]]",
    });
    const big = await failure(
      client.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1001 })),
    );
    expect(big.message).toBe(
      "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  });
});
