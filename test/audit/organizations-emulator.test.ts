/**
 * The emulator's AWS Organizations, through the SDK and the AWS CLI as a user drives them: the
 * tree derived from the OU map, pagination, AWS's error shapes, and the
 * OrganizationAccountAccessRole the management account enters member accounts with.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListAttachedRolePoliciesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { registerOrganization } from "../../src/emulator/aws/organizations/index.js";
import { type Creds, failure, iam, startEndpoint, sts } from "../emulator/aws/helpers.js";
import {
  createPipelineRole,
  type PipelineIssuer,
  pipelineSession,
  startPipelineIssuer,
} from "../emulator/aws/pipeline-issuer.js";
import { clientEnv, runClient, testWith } from "../support/real-clients.js";

const MANAGEMENT = "100000000001";
const PROD = ["200000000001", "200000000002"];
const PROD_EU = ["200000000003"];
const DEV = Array.from({ length: 23 }, (_, i) => String(300000000000 + i));
const OUTSIDER = "900000000009";
const GHOST = "999999999999"; // listed in an OU, but the emulator serves no such account

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let issuer: PipelineIssuer;
beforeAll(async () => {
  issuer = await startPipelineIssuer();
  ep = await startEndpoint({
    accounts: [MANAGEMENT, ...PROD, ...PROD_EU, ...DEV, OUTSIDER],
    issuerAccess: issuer.issuerAccess,
  });
  await registerOrganization(
    ep.backend,
    {
      // Nested OUs are written out: ou-prod holds its child ou-prod-eu's account too.
      "ou-ab12-prod0000": [...PROD, ...PROD_EU],
      "ou-ab12-prodeu00": PROD_EU,
      "ou-ab12-dev00000": [...DEV, GHOST],
    },
    { managementAccount: MANAGEMENT },
  );
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
  await issuer.close();
});

/** A pipeline's role session in `account` (an account's root may not call AssumeRole). */
async function pipelineIn(account: string): Promise<Creds> {
  const arn = await createPipelineRole(ep.url, creds(account), account, "pipeline");
  return pipelineSession(ep.url, issuer, arn, "org-test");
}

function creds(account: string): Creds {
  const a = ep.accounts.find((x) => x.id === account)!;
  return { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey };
}

function orgs(account: string): OrganizationsClient {
  return new OrganizationsClient({
    endpoint: ep.url,
    region: "us-east-1",
    credentials: creds(account),
    maxAttempts: 1,
  });
}

describe("Organizations over AWS JSON 1.1", () => {
  test("DescribeOrganization names the management account, to members too", async () => {
    const fromMember = await orgs(PROD[0]!).send(new DescribeOrganizationCommand({}));
    const org = fromMember.Organization!;
    expect(org.Id).toMatch(/^o-[a-z0-9]{10}$/);
    expect(org.MasterAccountId).toBe(MANAGEMENT);
    expect(org.Arn).toBe(`arn:aws:organizations::${MANAGEMENT}:organization/${org.Id}`);
    expect(org.FeatureSet).toBe("ALL");
  });

  test("ListAccounts pages 20 at a time and lists every member once, GHOST included", async () => {
    const first = await orgs(MANAGEMENT).send(new ListAccountsCommand({}));
    expect(first.Accounts).toHaveLength(20);
    expect(first.NextToken).toBeTruthy();
    const ids: string[] = [];
    for await (const p of paginateListAccounts({ client: orgs(MANAGEMENT), pageSize: 7 }, {})) {
      expect(p.Accounts!.length).toBeLessThanOrEqual(7);
      for (const a of p.Accounts!) ids.push(a.Id!);
    }
    expect(ids.sort()).toEqual([MANAGEMENT, ...PROD, ...PROD_EU, ...DEV, GHOST].sort());
    expect(ids).not.toContain(OUTSIDER);
    const one = first.Accounts!.find((a) => a.Id === MANAGEMENT)!;
    expect(one.Status).toBe("ACTIVE");
    expect(one.JoinedTimestamp).toBeInstanceOf(Date);
  });

  test("the tree: root → ou-prod → ou-prodeu; accounts under their smallest OU", async () => {
    const c = orgs(MANAGEMENT);
    const roots = await c.send(new ListRootsCommand({}));
    expect(roots.Roots?.map((r) => r.Id)).toEqual(["r-ab12"]);
    const top = await c.send(new ListOrganizationalUnitsForParentCommand({ ParentId: "r-ab12" }));
    expect(top.OrganizationalUnits?.map((o) => o.Id).sort()).toEqual([
      "ou-ab12-dev00000",
      "ou-ab12-prod0000",
    ]);
    const nested = await c.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: "ou-ab12-prod0000" }),
    );
    expect(nested.OrganizationalUnits?.map((o) => [o.Id, o.Path])).toEqual([
      [
        "ou-ab12-prodeu00",
        expect.stringMatching(/^o-\w+\/r-ab12\/ou-ab12-prod0000\/ou-ab12-prodeu00\/$/),
      ],
    ]);
    const inProd = await c.send(new ListAccountsForParentCommand({ ParentId: "ou-ab12-prod0000" }));
    expect(inProd.Accounts?.map((a) => a.Id)).toEqual(PROD);
    const inRoot = await c.send(new ListAccountsForParentCommand({ ParentId: "r-ab12" }));
    expect(inRoot.Accounts?.map((a) => a.Id)).toEqual([MANAGEMENT]);
    const children = await c.send(
      new ListChildrenCommand({ ParentId: "ou-ab12-prod0000", ChildType: "ORGANIZATIONAL_UNIT" }),
    );
    expect(children.Children).toEqual([{ Id: "ou-ab12-prodeu00", Type: "ORGANIZATIONAL_UNIT" }]);
    const accountChildren = await c.send(
      new ListChildrenCommand({ ParentId: "ou-ab12-prodeu00", ChildType: "ACCOUNT" }),
    );
    expect(accountChildren.Children).toEqual([{ Id: PROD_EU[0], Type: "ACCOUNT" }]);
  });

  test("AWS's errors: not a member, not the management account, no such parent, bad input", async () => {
    const notMember = await failure(orgs(OUTSIDER).send(new DescribeOrganizationCommand({})));
    expect(notMember).toEqual({
      name: "AWSOrganizationsNotInUseException",
      message: "Your account is not a member of an organization.",
      status: 400,
    });
    const member = await failure(orgs(PROD[0]!).send(new ListAccountsCommand({})));
    expect(member).toEqual({
      name: "AccessDeniedException",
      message: "You don't have permissions to access this resource.",
      status: 400,
    });
    const c = orgs(MANAGEMENT);
    const missing = await failure(
      c.send(new ListAccountsForParentCommand({ ParentId: "ou-ab12-nothere0" })),
    );
    expect(missing.name).toBe("ParentNotFoundException");
    const pattern = await failure(c.send(new ListAccountsForParentCommand({ ParentId: "x" })));
    expect(pattern.name).toBe("InvalidInputException");
    const tooMany = await failure(c.send(new ListAccountsCommand({ MaxResults: 21 })));
    expect(tooMany).toMatchObject({ name: "InvalidInputException", status: 400 });
    expect(tooMany.message).toMatch(/larger value than allowed/);
    const token = await failure(c.send(new ListAccountsCommand({ NextToken: "bm90LWEtdG9rZW4" })));
    expect(token.name).toBe("InvalidInputException");
    const enumValue = await failure(
      c.send(new ListChildrenCommand({ ParentId: "r-ab12", ChildType: "SHEEP" as never })),
    );
    expect(enumValue.name).toBe("InvalidInputException");
  });

  test("throttling is TooManyRequestsException, and the SDK's retry gets through", async () => {
    ep.backend.faults.add({
      service: "organizations",
      action: "ListRoots",
      status: 400,
      code: "TooManyRequestsException",
      count: 2,
    });
    const patient = new OrganizationsClient({
      endpoint: ep.url,
      region: "us-east-1",
      credentials: creds(MANAGEMENT),
      maxAttempts: 3,
      retryMode: "standard",
    });
    const roots = await patient.send(new ListRootsCommand({}));
    expect(roots.Roots).toHaveLength(1);
    expect(roots.$metadata.attempts).toBe(3);
  });

  test("a wrong signature and a wrong signing service are refused in the JSON protocol's words", async () => {
    const forged = new OrganizationsClient({
      endpoint: ep.url,
      region: "us-east-1",
      credentials: { ...creds(MANAGEMENT), secretAccessKey: "x".repeat(40) },
      maxAttempts: 1,
    });
    const bad = await failure(forged.send(new ListRootsCommand({})));
    expect(bad).toMatchObject({ name: "InvalidSignatureException", status: 400 });
    const unknown = new OrganizationsClient({
      endpoint: ep.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIAEXAMPLEEXAMPLE00", secretAccessKey: "x".repeat(40) },
      maxAttempts: 1,
    });
    expect((await failure(unknown.send(new ListRootsCommand({})))).name).toBe(
      "UnrecognizedClientException",
    );
  });

  test("OrganizationAccountAccessRole: admin in members, assumable from the management account only", async () => {
    const roleArn = `arn:aws:iam::${PROD[1]}:role/OrganizationAccountAccessRole`;
    const entered = await sts(ep.url, await pipelineIn(MANAGEMENT)).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "audit" }),
    );
    const session: Creds = {
      accessKeyId: entered.Credentials!.AccessKeyId!,
      secretAccessKey: entered.Credentials!.SecretAccessKey!,
      sessionToken: entered.Credentials!.SessionToken!,
    };
    const roles = await iam(ep.url, session).send(new ListRolesCommand({}));
    expect(roles.Roles?.map((r) => r.RoleName)).toEqual(["OrganizationAccountAccessRole"]);
    const trust = JSON.parse(decodeURIComponent(roles.Roles![0]!.AssumeRolePolicyDocument!));
    expect(trust.Statement[0].Principal).toEqual({ AWS: `arn:aws:iam::${MANAGEMENT}:root` });
    const attached = await iam(ep.url, session).send(
      new ListAttachedRolePoliciesCommand({ RoleName: "OrganizationAccountAccessRole" }),
    );
    expect(attached.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(["AdministratorAccess"]);
    // The management account has none of its own, and no other member may use a member's.
    const own = await iam(ep.url, creds(MANAGEMENT)).send(new ListRolesCommand({}));
    expect(own.Roles?.map((r) => r.RoleName)).not.toContain("OrganizationAccountAccessRole");
    const sideways = await failure(
      sts(ep.url, await pipelineIn(PROD[0]!)).send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "audit" }),
      ),
    );
    expect(sideways.name).toBe("AccessDenied");
  });

  test("registering again keeps the organization and leaves existing roles alone", async () => {
    const before = await orgs(MANAGEMENT).send(new DescribeOrganizationCommand({}));
    const tree = await registerOrganization(
      ep.backend,
      { "ou-ab12-dev00000": [...DEV, GHOST] },
      { managementAccount: PROD[0]! },
    );
    expect(tree.record.managementAccount).toBe(MANAGEMENT);
    const after = await orgs(MANAGEMENT).send(new DescribeOrganizationCommand({}));
    expect(after.Organization?.Id).toBe(before.Organization?.Id);
  });
});

describe("the AWS CLI (botocore) reads the organization", () => {
  testWith(
    ["aws"],
    "aws organizations list-accounts and list-children page through every account",
    async () => {
      const home = mkdtempSync(join(tmpdir(), "bb-oidc-orgs-cli-"));
      try {
        const m = creds(MANAGEMENT);
        const env = clientEnv(home, {
          AWS_ACCESS_KEY_ID: m.accessKeyId,
          AWS_SECRET_ACCESS_KEY: m.secretAccessKey,
          AWS_DEFAULT_REGION: "us-east-1",
        });
        const run = (args: string[]) =>
          runClient("aws", [...args, "--endpoint-url", ep.url, "--output", "json"], { env });
        const all = await run(["organizations", "list-accounts", "--page-size", "6"]);
        expect(all.stderr).toBe("");
        expect(all.status).toBe(0);
        const ids = JSON.parse(all.stdout).Accounts.map((a: { Id: string }) => a.Id);
        expect(ids).toHaveLength(1 + PROD.length + PROD_EU.length + DEV.length + 1);
        const kids = await run([
          "organizations",
          "list-children",
          "--parent-id",
          "r-ab12",
          "--child-type",
          "ORGANIZATIONAL_UNIT",
        ]);
        expect(kids.status).toBe(0);
        expect(JSON.parse(kids.stdout).Children).toHaveLength(2);
        // --page-size is the MaxResults the service sees; 50 is over its 20.
        const refused = await run(["organizations", "list-roots", "--page-size", "50"]);
        expect(refused.status).toBe(255); // the CLI v1's exit status for a service error
        expect(refused.stderr).toContain(
          "An error occurred (InvalidInputException) when calling the ListRoots operation: You provided a numeric parameter that has a larger value than allowed.",
        );
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
