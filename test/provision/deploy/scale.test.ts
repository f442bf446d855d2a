/**
 * Platform scale through the emulator: 1,000 roles across 3 accounts from one bb-oidc.yaml deploy
 * (through S3, split into several StackSets), every role where the config puts it, and adding
 * one role changes one unit and moves no other role.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { paginateListRoles } from "@aws-sdk/client-iam";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cloudFormationState } from "../../../src/emulator/aws/cloudformation/index.js";
import { mintToken } from "../../../src/emulator/bitbucket/index.js";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { runCli } from "../../e2e/cli-run.js";
import { failure, iam } from "../../emulator/cloudformation/helpers.js";
import { s3 } from "../../emulator/s3/helpers.js";
import { emulatorAwsEnv } from "../../support/aws-env.js";
import { ensureBuilt } from "../../support/built-cli.js";

const ADMIN = "111111111111";
const TARGETS = ["222222222222", "333333333333", "444444444444"];
const N = 1000;

let emu: RunningEmulator;
let dir: string;
let configFile: string;
let workspaceUuid: string;

const repo = (i: number) => `{7d1c0000-0000-4000-8000-${i.toString(16).padStart(12, "0")}}`;

/** `n` roles, one repository each, spread over the three accounts in turn. */
function configText(n: number): string {
  const roles: string[] = [];
  for (let i = 0; i < n; i++) {
    roles.push(`  - name: svc-${i}
    description: Deploys service ${i}.
    accounts: ["${TARGETS[i % 3]}"]
    repositories: ["${repo(i)}"]
    managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]`);
  }
  return `workspace: { slug: acme, uuid: "${workspaceUuid}" }
provider: { create: true }
roles:
${roles.join("\n")}
`;
}

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "bb-oidc-scale-"));
  emu = await startEmulator({
    awsPort: 0,
    bitbucketPort: 0,
    stateDir: join(dir, "state"),
    accounts: [ADMIN, ...TARGETS],
    workspaces: ["acme"],
  });
  cloudFormationState(emu.aws.backend).timing.stepDelayMs = 0;
  workspaceUuid = emu.workspaces[0]!.uuid;
  const admin = emu.accounts[0]!;
  await s3(emu.awsEndpoint, admin, "us-east-1").send(
    new CreateBucketCommand({ Bucket: "bb-oidc-templates" }),
  );
  configFile = join(dir, "bb-oidc.yaml");
  await writeFile(configFile, configText(N));
}, 120_000);
afterAll(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function deploy(extra: string[] = []) {
  const admin = emu.accounts[0]!;
  return runCli(
    [
      "deploy",
      "--config",
      configFile,
      "--stack-name",
      "platform",
      "--s3-bucket",
      "bb-oidc-templates",
      "--s3-prefix",
      "bb-oidc/",
      "--yes",
      "--format",
      "json",
      ...extra,
    ],
    { env: emulatorAwsEnv({ credentials: admin, endpoint: emu.awsEndpoint, home: dir }) },
  );
}

async function rolesIn(account: string): Promise<string[]> {
  const creds = emu.accounts.find((a) => a.id === account)!;
  const names: string[] = [];
  for await (const page of paginateListRoles({ client: iam(emu.awsEndpoint, creds) }, {})) {
    for (const r of page.Roles ?? []) if (r.RoleName!.startsWith("svc-")) names.push(r.RoleName!);
  }
  return names.sort();
}

async function assume(account: string, role: string, repository: string) {
  const sts = new STSClient({
    endpoint: emu.awsEndpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: async () => {
      throw new Error("unsigned call");
    },
  });
  const token = await mintToken(emu.store, { workspace: "acme", repositoryUuid: repository });
  return sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: `arn:aws:iam::${account}:role/${role}`,
      RoleSessionName: "scale",
      WebIdentityToken: token,
    }),
  );
}

type UnitJson = {
  name: string;
  action: string;
  roles?: string[];
  transport?: string;
  changes: Array<{ action: string; logicalId: string }>;
};

describe(`${N} roles across 3 accounts`, () => {
  let units: UnitJson[] = [];

  test("deploy through S3 in several StackSets; every role exists exactly where the config puts it", async () => {
    const r = await deploy();
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe("deployed");
    units = out.plan.units;
    const roleUnits = units.filter((u) => (u.roles ?? []).length > 0);
    expect(roleUnits.length).toBeGreaterThan(1);
    expect(roleUnits.some((u) => u.transport === "s3")).toBe(true);
    expect(roleUnits.flatMap((u) => u.roles).sort()).toEqual(
      Array.from({ length: N }, (_, i) => `svc-${i}`).sort(),
    );
    for (const [k, account] of TARGETS.entries()) {
      const expected = Array.from({ length: N }, (_, i) => i)
        .filter((i) => i % 3 === k)
        .map((i) => `svc-${i}`)
        .sort();
      expect(await rolesIn(account), `roles in ${account}`).toEqual(expected);
    }
    expect(await rolesIn(ADMIN)).toEqual([]);
    // The right repository assumes its role; another one, and the same role elsewhere, are refused.
    expect((await assume(TARGETS[1]!, "svc-997", repo(997))).AssumedRoleUser).toBeDefined();
    expect((await failure(assume(TARGETS[1]!, "svc-997", repo(998)))).status).toBe(403);
    expect((await failure(assume(TARGETS[0]!, "svc-997", repo(997)))).status).toBe(403);
  }, 600_000);

  test("adding one role changes one unit and moves no other role", async () => {
    await writeFile(
      configFile,
      `${configText(N)}  - name: svc-new
    accounts: ["${TARGETS[2]}"]
    repositories: ["${repo(N)}"]
`,
    );
    const r = await deploy();
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const changed = (out.plan.units as UnitJson[]).filter((u) => u.action !== "none");
    expect(changed).toHaveLength(1);
    expect(changed[0]!.changes.map((c) => c.action)).toEqual(["Add"]);
    for (const before of units) {
      const after = (out.plan.units as UnitJson[]).find((u) => u.name === before.name)!;
      const added = after.roles?.filter((x) => !(before.roles ?? []).includes(x)) ?? [];
      expect(added, before.name).toEqual(after.name === changed[0]!.name ? ["svc-new"] : []);
      expect((before.roles ?? []).filter((x) => !after.roles?.includes(x))).toEqual([]);
    }
    expect(await rolesIn(TARGETS[2]!)).toContain("svc-new");
  }, 600_000);
});
