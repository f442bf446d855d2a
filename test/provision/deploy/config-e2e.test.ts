/**
 * `deploy --config` end to end on the emulator: roles across three accounts and an OU go
 * exactly where bb-oidc.yaml puts them (checked through IAM in every account), STS admits the
 * right repositories and refuses others, a second deploy changes nothing, and destroy leaves
 * nothing behind.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListOpenIDConnectProvidersCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cloudFormationState } from "../../../src/emulator/aws/cloudformation/index.js";
import { mintToken } from "../../../src/emulator/bitbucket/index.js";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { runCli } from "../../e2e/cli-run.js";
import { failure, iam } from "../../emulator/cloudformation/helpers.js";
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

function cli(args: string[]) {
  const admin = emu.accounts[0]!;
  return runCli(args, {
    env: {
      HOME: dir,
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: emu.awsEndpoint,
      AWS_EC2_METADATA_DISABLED: "true",
    },
  });
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
    for (const account of Object.keys(EXPECTED)) {
      expect(await bbOidcRoles(account)).toEqual([]);
      expect(await providers(account)).toBe(0);
    }
    const status = await cli(["status", "--stack-name", "bb-oidc", "--format", "json"]);
    expect(JSON.parse(status.stdout).units).toEqual([]);
  }, 180_000);
});
