/**
 * An account both listed under a role's `accounts:` and a member of an OU another role targets:
 * IAM holds one provider per URL per account, so the deployment creates it there once (through
 * the OUs' provider StackSet), not once per StackSet — which failed with "already exists" and a
 * hint to stop creating the provider everywhere.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListOpenIDConnectProvidersCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, expect, test } from "vitest";
import { cloudFormationState } from "../../../src/emulator/aws/cloudformation/index.js";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { runCli } from "../../e2e/cli-run.js";
import { iam } from "../../emulator/cloudformation/helpers.js";
import { emulatorAwsEnv } from "../../support/aws-env.js";
import { ensureBuilt } from "../../support/built-cli.js";

const ADMIN = "111111111111";
const LISTED = "222222222222";
const MEMBER = "333333333333";
const OU = "ou-ab12-bbbbbbbb";

let emu: RunningEmulator;
let dir: string;
let configFile: string;

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "bb-oidc-ou-overlap-"));
  emu = await startEmulator({
    awsPort: 0,
    bitbucketPort: 0,
    stateDir: join(dir, "state"),
    accounts: [ADMIN, LISTED, MEMBER],
    workspaces: ["acme"],
    organizations: { [OU]: [LISTED, MEMBER] },
  });
  cloudFormationState(emu.aws.backend).timing.stepDelayMs = 0;
  configFile = join(dir, "bb-oidc.yaml");
  await writeFile(
    configFile,
    `workspace: { slug: acme, uuid: "${emu.workspaces[0]!.uuid}" }
provider: { create: true }
roles:
  - name: listed-deploy
    accounts: ["${LISTED}"]
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}"]
  - name: org-read
    organizationalUnits: ["${OU}"]
    repositories: ["{0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b}"]
`,
  );
}, 120_000);
afterAll(async () => {
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]) {
  return runCli(args, {
    env: emulatorAwsEnv({ credentials: emu.accounts[0]!, endpoint: emu.awsEndpoint, home: dir }),
  });
}

async function inAccount(account: string): Promise<{ roles: string[]; providers: number }> {
  const client = iam(emu.awsEndpoint, emu.accounts.find((a) => a.id === account)!);
  const roles = (await client.send(new ListRolesCommand({}))).Roles ?? [];
  const providers = await client.send(new ListOpenIDConnectProvidersCommand({}));
  return {
    roles: roles
      .map((r) => r.RoleName!)
      .filter((n) => n !== "OrganizationAccountAccessRole")
      .sort(),
    providers: providers.OpenIDConnectProviderList?.length ?? 0,
  };
}

test("an account both listed and in a targeted OU gets one provider and both roles", async () => {
  const r = await cli(["deploy", "--config", configFile, "--stack-name", "ov", "--yes"]);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain("already exists");
  expect(r.code).toBe(0);
  expect(await inAccount(LISTED)).toEqual({ roles: ["listed-deploy", "org-read"], providers: 1 });
  expect(await inAccount(MEMBER)).toEqual({ roles: ["org-read"], providers: 1 });

  const status = await cli(["status", "--config", configFile, "--stack-name", "ov"]);
  expect(status.stdout).not.toMatch(/\bno\b/);
  expect(status.code).toBe(0);
  const again = await cli(["deploy", "--config", configFile, "--stack-name", "ov", "--yes"]);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain("No changes");
}, 300_000);
