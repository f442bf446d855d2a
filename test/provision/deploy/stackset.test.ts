import { ListStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { registerOrganizationalUnits } from "../../../src/emulator/aws/cloudformation/index.js";
import { deployStackSet, type InstanceRow } from "../../../src/provision/deploy/index.js";
import { cfn, iam, providerAndRole, startEndpoint } from "../../emulator/cloudformation/helpers.js";

const ADMIN = "100000000000";
const MEMBERS = Array.from({ length: 50 }, (_, i) => String(200000000000 + i));
const fast = { pollMs: 20 };

let ep: Awaited<ReturnType<typeof startEndpoint>>;
beforeAll(async () => {
  ep = await startEndpoint({ accounts: [ADMIN, ...MEMBERS] });
  await registerOrganizationalUnits(ep.backend, {
    "ou-ab12-aaaaaaaa": MEMBERS.slice(0, 25),
    "ou-ab12-bbbbbbbb": [ADMIN, ...MEMBERS.slice(25)],
    "ou-ab12-cccccccc": ["999999999999"],
  });
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
});

describe("StackSets", () => {
  test("self-managed over 50 accounts: progress per account, final table, roles in every account", async () => {
    const client = cfn(ep.url, ep.accounts[0]!);
    const progress: string[] = [];
    const result = await deployStackSet(
      client,
      {
        stackSetName: "bb-oidc-roles",
        templateBody: providerAndRole({ roleName: "deploy" }),
        capabilities: ["CAPABILITY_NAMED_IAM"],
        accounts: MEMBERS,
        regions: ["us-east-1"],
        preferences: { maxConcurrentCount: 10, failureToleranceCount: 9 },
        ...fast,
      },
      { onProgress: (r) => progress.push(`${r.account}:${r.status}`) },
    );
    expect(result.failed).toBe(false);
    expect(result.created).toBe(true);
    expect(result.operations.map((o) => [o.action, o.status])).toEqual([["CREATE", "SUCCEEDED"]]);
    expect(result.instances).toHaveLength(50);
    expect(
      result.instances.every(
        (r: InstanceRow) => r.status === "SUCCEEDED" && r.region === "us-east-1",
      ),
    ).toBe(true);
    expect(result.instances.map((r) => r.account)).toEqual(MEMBERS);
    // Every account was seen running and then succeeding.
    for (const a of MEMBERS) {
      expect(progress).toContain(`${a}:SUCCEEDED`);
      expect(progress.indexOf(`${a}:SUCCEEDED`)).toBeGreaterThan(-1);
    }
    // The instance stacks are real: the role exists in a member account.
    const member = ep.accounts.find((a) => a.id === MEMBERS[42])!;
    const role = await iam(ep.url, member).send(new GetRoleCommand({ RoleName: "deploy" }));
    expect(role.Role?.Arn).toBe(`arn:aws:iam::${MEMBERS[42]}:role/deploy`);
    const stacks = await cfn(ep.url, member).send(new ListStacksCommand({}));
    expect(stacks.StackSummaries?.[0]?.StackName).toMatch(/^StackSet-bb-oidc-roles-/);
  });

  test("service-managed OUs: the management account is skipped, an unknown account fails beyond tolerance", async () => {
    const client = cfn(ep.url, ep.accounts[0]!);
    const ok = await deployStackSet(client, {
      stackSetName: "by-ou",
      templateBody: providerAndRole({ roleName: "ou-deploy", workspace: "ou" }),
      capabilities: ["CAPABILITY_NAMED_IAM"],
      organizationalUnits: ["ou-ab12-bbbbbbbb"],
      regions: ["eu-west-1"],
      preferences: { maxConcurrentPercentage: 100, concurrencyMode: "SOFT_FAILURE_TOLERANCE" },
      ...fast,
    });
    expect(ok.failed).toBe(false);
    expect(ok.instances.map((r) => r.account)).toEqual(MEMBERS.slice(25));

    const bad = await deployStackSet(client, {
      stackSetName: "unknown-account",
      templateBody: providerAndRole({ roleName: "x", workspace: "unknown" }),
      capabilities: ["CAPABILITY_NAMED_IAM"],
      organizationalUnits: ["ou-ab12-cccccccc"],
      regions: ["us-east-1"],
      ...fast,
    });
    expect(bad.failed).toBe(true);
    expect(bad.instances).toEqual([
      {
        account: "999999999999",
        region: "us-east-1",
        status: "FAILED",
        reason: expect.stringContaining("not an account of this emulator"),
      },
    ]);
  });

  test("failure tolerance stops the rollout: later accounts are cancelled", async () => {
    const client = cfn(ep.url, ep.accounts[0]!);
    // The named role already exists in the first accounts (from the 50-account set): they fail.
    const result = await deployStackSet(client, {
      stackSetName: "collides",
      templateBody: providerAndRole({ roleName: "deploy", workspace: "collides" }),
      capabilities: ["CAPABILITY_NAMED_IAM"],
      accounts: MEMBERS.slice(0, 6),
      regions: ["us-east-1"],
      preferences: { maxConcurrentCount: 1, failureToleranceCount: 1 },
      ...fast,
    });
    expect(result.failed).toBe(true);
    expect(result.instances.map((r) => r.status)).toEqual([
      "FAILED",
      "FAILED",
      "CANCELLED",
      "CANCELLED",
      "CANCELLED",
      "CANCELLED",
    ]);
    expect(result.instances[0]!.reason).toMatch(
      /^ResourceLogicalId:DeployRole, ResourceType:AWS::IAM::Role, ResourceStatusReason:.*already exists/,
    );
  });
});
