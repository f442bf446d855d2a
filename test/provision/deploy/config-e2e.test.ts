/**
 * `deploy --config` end to end on the emulator: roles across three accounts and an OU go
 * exactly where bb-oidc.yaml puts them (checked through IAM in every account), STS admits the
 * right repositories and refuses others, a second deploy changes nothing, and destroy leaves
 * nothing behind.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteOpenIDConnectProviderCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cloudFormationState } from "../../../src/emulator/aws/cloudformation/index.js";
import { mintToken } from "../../../src/emulator/bitbucket/index.js";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { runCli } from "../../e2e/cli-run.js";
import { failure, iam } from "../../emulator/cloudformation/helpers.js";
import { emulatorAwsEnv } from "../../support/aws-env.js";
import { ensureBuilt } from "../../support/built-cli.js";

const ADMIN = "111111111111";
const A = "222222222222";
const B = "333333333333";
const C = "444444444444";
const OU_MEMBERS = ["555555555555", "666666666666"];
const OU = "ou-ab12-aaaaaaaa";
const REPO_WEB = "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}";
const REPO_DATA = "{0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b}";
const REPO_AUDIT = "{1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d}";
const REPO_OTHER = "{7b7b7b7b-1111-4222-8333-444444444444}";
const ENV_PROD = "{d2a8f6b0-1c4e-4a9d-b7e3-5f0c9e8d7a61}";

let emu: RunningEmulator;
let dir: string;
let configFile: string;

/** Where each role must exist, and nowhere else. */
const EXPECTED: Record<string, string[]> = {
  [ADMIN]: [],
  [A]: ["web-deploy", "shared-read"],
  [B]: ["shared-read"],
  [C]: ["shared-read", "data-deploy"],
  [OU_MEMBERS[0]!]: ["org-audit"],
  [OU_MEMBERS[1]!]: ["org-audit"],
};

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "bb-oidc-deploy-config-"));
  emu = await startEmulator({
    awsPort: 0,
    bitbucketPort: 0,
    stateDir: join(dir, "state"),
    accounts: [ADMIN, A, B, C, ...OU_MEMBERS],
    workspaces: ["acme"],
    organizations: { [OU]: OU_MEMBERS },
  });
  cloudFormationState(emu.aws.backend).timing.stepDelayMs = 0;
  const ws = emu.workspaces[0]!;
  configFile = join(dir, "bb-oidc.yaml");
  await writeFile(
    configFile,
    `workspace: { slug: acme, uuid: "${ws.uuid}" }
provider: { create: true }
roles:
  - name: web-deploy
    accounts: ["${A}"]
    repositories: ["${REPO_WEB}"]
  - name: shared-read
    accounts: ["${A}", "${B}", "${C}"]
    repositories: ["${REPO_WEB}", "${REPO_DATA}"]
    managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
  - name: data-deploy
    accounts: ["${C}"]
    repositories: ["${REPO_DATA}"]
    environments: ["${ENV_PROD}"]
  - name: org-audit
    organizationalUnits: ["${OU}"]
    repositories: ["${REPO_AUDIT}"]
`,
  );
}, 120_000);
afterAll(async () => {
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

type Session = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function cli(args: string[], as?: Session) {
  return runCli(args, {
    env: emulatorAwsEnv({
      credentials: as ?? emu.accounts[0]!,
      endpoint: emu.awsEndpoint,
      home: dir,
    }),
  });
}

const READER_REPO = "{2c2c2c2c-3333-4444-8555-666666666666}";
let reader: Session | undefined;

/**
 * A role session in the management account, as a scheduled pipeline has one: an account's root
 * may not call sts:AssumeRole, and who-can --live enters the members through
 * OrganizationAccountAccessRole. Planted beside the deployment (and removed before destroy checks).
 */
async function readerSession(): Promise<Session> {
  if (reader) return reader;
  const admin = emu.accounts[0]!;
  const member = emu.accounts.find((a) => a.id === A)!;
  const memberIam = iam(emu.awsEndpoint, member);
  const providerArn = (await memberIam.send(new ListOpenIDConnectProvidersCommand({})))
    .OpenIDConnectProviderList![0]!.Arn!;
  const p = await memberIam.send(
    new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }),
  );
  const client = iam(emu.awsEndpoint, admin);
  const created = await client.send(
    new CreateOpenIDConnectProviderCommand({
      Url: `https://${p.Url}`,
      ClientIDList: p.ClientIDList,
      ThumbprintList: p.ThumbprintList,
    }),
  );
  await client.send(
    new CreateRoleCommand({
      RoleName: "who-can-reader",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: created.OpenIDConnectProviderArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringLike: { [`${p.Url}:sub`]: `${READER_REPO}:*` } },
          },
        ],
      }),
    }),
  );
  await client.send(
    new PutRolePolicyCommand({
      RoleName: "who-can-reader",
      PolicyName: "enter-and-read",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: [
              "sts:AssumeRole",
              "iam:Get*",
              "iam:List*",
              "organizations:Describe*",
              "organizations:List*",
            ],
            Resource: "*",
          },
        ],
      }),
    }),
  );
  // Accounts invited into the organization (not in an OU here) lack the role AWS creates in the
  // accounts it makes; an administrator creates it, as the Organizations guide says.
  for (const account of [A, B, C]) {
    const member = iam(emu.awsEndpoint, emu.accounts.find((a) => a.id === account)!);
    await member.send(
      new CreateRoleCommand({
        RoleName: "OrganizationAccountAccessRole",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${ADMIN}:root` },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
    );
    await member.send(
      new PutRolePolicyCommand({
        RoleName: "OrganizationAccountAccessRole",
        PolicyName: "read-iam",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" }],
        }),
      }),
    );
  }
  const c = (await assume(ADMIN, "who-can-reader", READER_REPO)).Credentials!;
  reader = {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  };
  return reader;
}

/**
 * `who-can --config … --live` as the management account's reader session runs it (or, `asRoot`,
 * with the management account's root keys).
 */
async function liveWhoCan(extra: string[], asRoot = false) {
  return cli(
    [
      "who-can",
      "--config",
      configFile,
      "--live",
      "--assume-role-name",
      "OrganizationAccountAccessRole",
      ...extra,
    ],
    asRoot ? undefined : await readerSession(),
  );
}

async function removeReader(): Promise<void> {
  const client = iam(emu.awsEndpoint, emu.accounts[0]!);
  await client.send(
    new DeleteRolePolicyCommand({ RoleName: "who-can-reader", PolicyName: "enter-and-read" }),
  );
  await client.send(new DeleteRoleCommand({ RoleName: "who-can-reader" }));
  const list = await client.send(new ListOpenIDConnectProvidersCommand({}));
  for (const p of list.OpenIDConnectProviderList ?? [])
    await client.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: p.Arn }));
  reader = undefined;
}

async function bbOidcRoles(account: string): Promise<string[]> {
  const creds = emu.accounts.find((a) => a.id === account)!;
  const roles = await iam(emu.awsEndpoint, creds).send(new ListRolesCommand({}));
  return (roles.Roles ?? [])
    .map((r) => r.RoleName!)
    .filter((n) => n !== "OrganizationAccountAccessRole")
    .sort();
}

async function providers(account: string): Promise<number> {
  const creds = emu.accounts.find((a) => a.id === account)!;
  return (
    (await iam(emu.awsEndpoint, creds).send(new ListOpenIDConnectProvidersCommand({})))
      .OpenIDConnectProviderList ?? []
  ).length;
}

async function assume(account: string, role: string, repo: string, env?: string) {
  const sts = new STSClient({
    endpoint: emu.awsEndpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: async () => {
      throw new Error("unsigned call");
    },
  });
  const token = await mintToken(emu.store, {
    workspace: "acme",
    repositoryUuid: repo,
    ...(env ? { deploymentEnvironmentUuid: env } : {}),
  });
  return sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: `arn:aws:iam::${account}:role/${role}`,
      RoleSessionName: "pipeline",
      WebIdentityToken: token,
    }),
  );
}

describe("deploy --config across accounts and an OU", () => {
  test("shows the plan per account and OU, then deploys each role exactly where it goes", async () => {
    const r = await cli(["deploy", "--config", configFile, "--stack-name", "bb-oidc", "--yes"]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`account ${A}: provider created; 2 roles: web-deploy, shared-read`);
    expect(r.stdout).toContain(`account ${C}: provider created; 2 roles: shared-read, data-deploy`);
    expect(r.stdout).toContain(`OUs ${OU}: provider created; 1 role: org-audit`);
    expect(r.stdout).toMatch(/bb-oidc-provider\s+StackSet \(self-managed\)/);
    expect(r.stdout).toMatch(/bb-oidc-ou-[0-9a-f]{8}\s+StackSet \(service-managed\)/);
    for (const [account, roles] of Object.entries(EXPECTED)) {
      expect(await bbOidcRoles(account), `roles in ${account}`).toEqual([...roles].sort());
      expect(await providers(account), `providers in ${account}`).toBe(roles.length > 0 ? 1 : 0);
    }
  }, 180_000);

  test("STS admits the right repositories and refuses the others", async () => {
    expect((await assume(A, "web-deploy", REPO_WEB)).AssumedRoleUser?.Arn).toContain(
      `${A}:assumed-role/web-deploy/`,
    );
    expect((await assume(B, "shared-read", REPO_DATA)).AssumedRoleUser?.Arn).toContain(B);
    expect((await assume(C, "data-deploy", REPO_DATA, ENV_PROD)).AssumedRoleUser).toBeDefined();
    expect((await assume(OU_MEMBERS[1]!, "org-audit", REPO_AUDIT)).AssumedRoleUser).toBeDefined();
    const refused: Array<[string, string, string]> = [
      [A, "web-deploy", REPO_OTHER],
      [C, "data-deploy", REPO_DATA], // not a deployment step of the environment
      [B, "web-deploy", REPO_WEB], // the role is not in this account
      [OU_MEMBERS[0]!, "org-audit", REPO_WEB],
    ];
    for (const [account, role, repo] of refused) {
      const f = await failure(assume(account, role, repo));
      expect(f.status, `${role} in ${account} for ${repo}`).toBe(403);
    }
  }, 60_000);

  test("who-can --live reads the same matrix from the accounts' IAM as who-can --config", async () => {
    const live = await liveWhoCan(["--repository", `web=${REPO_WEB}`, "--format", "json"]);
    expect(live.stderr).not.toMatch(/\n\s+at /);
    expect(live.code).toBe(0);
    const doc = JSON.parse(live.stdout);
    expect(doc.matchesConfig).toBe(true);
    expect(doc.differences).toEqual([]);
    expect(doc.unreachable).toEqual([]);
    // Not equal by being empty: every deployed role is a column, in its accounts only.
    const columns = (doc.columns as Array<{ account: string; role: string }>)
      .map((c) => `${c.account}/${c.role}`)
      .sort();
    expect(columns).toEqual(
      Object.entries(EXPECTED)
        .flatMap(([account, roles]) => roles.map((r) => `${account}/${r}`))
        .sort(),
    );
    const allowed = (repo: string, account: string, role: string) => {
      const row = doc.rows.find(
        (r: { repository: string; environment?: string }) =>
          r.repository === repo && !r.environment,
      );
      const j = doc.columns.findIndex(
        (c: { account: string; role: string }) => c.account === account && c.role === role,
      );
      return row.cells[j].allowed as boolean;
    };
    expect(allowed(REPO_WEB, A, "web-deploy")).toBe(true);
    expect(allowed(REPO_DATA, A, "web-deploy")).toBe(false);
    expect(allowed(REPO_AUDIT, OU_MEMBERS[0]!, "org-audit")).toBe(true);

    // Read without the config, account by account: the same answers.
    const accounts = Object.entries(EXPECTED)
      .filter(([, roles]) => roles.length > 0)
      .flatMap(([a]) => ["--account", a]);
    const bare = await cli(
      [
        "who-can",
        "--live",
        ...accounts,
        "--assume-role-name",
        "OrganizationAccountAccessRole",
        "--repository",
        `web=${REPO_WEB}`,
        "--format",
        "csv",
      ],
      await readerSession(),
    );
    expect(bare.code).toBe(0);
    const cellsOf = (csv: string) =>
      csv
        .trim()
        .split("\n")
        .slice(1)
        .filter((l) => !l.includes(",true,")) // the synthetic row's UUID depends on the policies' text
        .map((l) =>
          l
            .split(",")
            .filter((_, i) => i !== 5)
            .join(","),
        )
        .sort();
    const fromConfig = await liveWhoCan(["--repository", `web=${REPO_WEB}`, "--format", "csv"]);
    expect(cellsOf(bare.stdout)).toEqual(cellsOf(fromConfig.stdout));
    expect(cellsOf(bare.stdout).length).toBeGreaterThan(10);
  }, 120_000);

  test("who-can --live: unusable input says what to give, exit 2", async () => {
    const none = await cli(["who-can", "--live"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--live needs the accounts to read: --account ID");
    const template = await cli(["who-can", "--live", "--template", configFile]);
    expect(template.code).toBe(2);
    expect(template.stderr).toContain("give --config or neither, not --template");
    const noRole = await cli(["who-can", "--live", "--account", A], await readerSession());
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain(
      `--assume-role-name is needed to read accounts other than ${ADMIN}`,
    );
    expect(noRole.stderr).toContain("OrganizationAccountAccessRole");
    for (const r of [none, template, noRole]) expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  test("who-can --live names what differs when an account drifts from the config", async () => {
    const creds = emu.accounts.find((a) => a.id === B)!;
    const client = iam(emu.awsEndpoint, creds);
    const role = await client.send(new GetRoleCommand({ RoleName: "shared-read" }));
    const original = decodeURIComponent(role.Role!.AssumeRolePolicyDocument!);
    const widened = original.replace(REPO_DATA, REPO_OTHER);
    expect(widened).not.toBe(original);
    await client.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: "shared-read", PolicyDocument: widened }),
    );
    try {
      const r = await liveWhoCan([]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`The accounts differ from ${configFile}:`);
      expect(r.stderr).toContain(
        `role shared-read in ${B}: ${REPO_OTHER} can assume it live; bb-oidc.yaml says no`,
      );
      expect(r.stderr).toMatch(
        new RegExp(
          `role shared-read in ${B}: \\${REPO_DATA.slice(0, -1)}\\} cannot assume it live`,
        ),
      );
      expect(r.stderr).not.toContain(`in ${A}:`);
    } finally {
      await client.send(
        new UpdateAssumeRolePolicyCommand({ RoleName: "shared-read", PolicyDocument: original }),
      );
    }
  }, 120_000);

  test("who-can --live: an account it cannot enter is reported unread, not as missing roles", async () => {
    const creds = emu.accounts.find((a) => a.id === B)!;
    const client = iam(emu.awsEndpoint, creds);
    const entry = await client.send(
      new GetRoleCommand({ RoleName: "OrganizationAccountAccessRole" }),
    );
    const original = decodeURIComponent(entry.Role!.AssumeRolePolicyDocument!);
    await client.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: "OrganizationAccountAccessRole",
        PolicyDocument: original.replace(`arn:aws:iam::${ADMIN}:root`, `arn:aws:iam::${C}:root`),
      }),
    );
    try {
      const r = await liveWhoCan([]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`account ${B} was not read`);
      expect(r.stderr).toContain(`Not compared with ${configFile}: ${B}`);
      expect(r.stderr).not.toContain(`in ${B}: in bb-oidc.yaml, not in the account`);
      const json = JSON.parse((await liveWhoCan(["--format", "json"])).stdout);
      expect(json.matchesConfig).toBe(false);
      expect(json.notCompared).toEqual([B]);
      expect(json.differences.filter((d: { account: string }) => d.account === B)).toEqual([]);
    } finally {
      await client.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: "OrganizationAccountAccessRole",
          PolicyDocument: original,
        }),
      );
    }
  }, 120_000);

  test("who-can --live with root credentials: refused up front (no root user assumes a role), exit 2", async () => {
    await readerSession(); // the members' entry roles exist: only the credentials are wrong
    const r = await liveWhoCan([], true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`root user's credentials of ${ADMIN}`);
    expect(r.stderr).toContain("role session");
    expect(r.stdout).toBe("");
  }, 60_000);

  test("deploying again changes nothing", async () => {
    const r = await cli([
      "deploy",
      "--config",
      configFile,
      "--stack-name",
      "bb-oidc",
      "--yes",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe("no-changes");
    expect(out.plan.units.every((u: { action: string }) => u.action === "none")).toBe(true);
  }, 120_000);

  test("destroy shows what goes, then leaves nothing", async () => {
    const r = await cli(["destroy", "--stack-name", "bb-oidc", "--yes"]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("bb-oidc-provider");
    const live = await liveWhoCan([]);
    expect(live.code).toBe(1);
    expect(live.stderr).toContain(
      `role web-deploy in ${A}: in bb-oidc.yaml, not in the account (deploy it`,
    );
    await removeReader();
    for (const account of Object.keys(EXPECTED)) {
      expect(await bbOidcRoles(account)).toEqual([]);
      expect(await providers(account)).toBe(0);
    }
    const status = await cli(["status", "--stack-name", "bb-oidc", "--format", "json"]);
    expect(JSON.parse(status.stdout).units).toEqual([]);
  }, 180_000);
});
