import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { AccessMatrix } from "../../../src/provision/who-can/index.js";
import {
  fromConfigText,
  fromTemplateText,
  renderMatrix,
  whoCan,
} from "../../../src/provision/who-can/index.js";
import { ensureBuilt } from "../../support/built-cli.js";

const ROOT = join(import.meta.dirname, "../../..");
const TEMPLATE = "test/provision/who-can/fixtures/two-roles.yaml";
const REPO = "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}";
const ENV = "{d2a8f6b0-1c4e-4a9d-b7e3-5f0c9e8d7a61}";
const FLAGGED = "{11111111-2222-4333-8444-555555555555}";
const STAGING = "{22222222-3333-4444-8555-666666666666}";

/** row label → { role → allowed } */
function table(m: AccessMatrix): Record<string, Record<string, boolean>> {
  const out: Record<string, Record<string, boolean>> = {};
  m.rows.forEach((r, i) => {
    const label = r.otherRepository
      ? "other"
      : `${r.repository}${r.environment ? ` ${r.environment}` : ""}`;
    out[label] = Object.fromEntries(m.columns.map((c, j) => [c.role, m.cells[i]![j]!.allowed]));
  });
  return out;
}

describe("who-can: the access matrix, decided by the STS engine", () => {
  it("two roles: one repository+environment restricted, one open to the workspace", async () => {
    const input = fromTemplateText(readFileSync(join(ROOT, TEMPLATE), "utf8"), TEMPLATE);
    const m = await whoCan({
      roles: input.roles,
      providers: input.providers,
      repositories: [{ uuid: FLAGGED }],
      environments: [{ uuid: STAGING }],
    });
    expect(m.columns.map((c) => c.role)).toEqual(["deploy-web-prod", "read-only-anywhere"]);
    expect(table(m)).toEqual({
      [FLAGGED]: { "deploy-web-prod": false, "read-only-anywhere": true },
      [`${FLAGGED} ${STAGING}`]: { "deploy-web-prod": false, "read-only-anywhere": true },
      [REPO]: { "deploy-web-prod": false, "read-only-anywhere": true },
      [`${REPO} ${ENV}`]: { "deploy-web-prod": true, "read-only-anywhere": true },
      [`${REPO} ${STAGING}`]: { "deploy-web-prod": false, "read-only-anywhere": true },
      other: { "deploy-web-prod": false, "read-only-anywhere": true },
    });
    // The allowed cell says which statement let it in.
    const i = m.rows.findIndex((r) => r.environment === ENV);
    expect(m.cells[i]![0]).toMatchObject({ allowed: true, statement: 0 });
    expect(m.cells[0]![0]!.reason).toMatch(/condition StringLike/);
  });

  it("the shortcut for unmentioned repositories agrees with asking the engine for every cell", async () => {
    // A UUID-prefix pattern is not opaque: every row is asked; the answers must be the same shape.
    const url = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
    const prefixRole = {
      name: "prefix",
      account: "123456789012",
      roleArn: "arn:aws:iam::123456789012:role/prefix",
      trustPolicy: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${url}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringLike: { [`${url}:sub`]: "{1111*" } },
          },
        ],
      },
    };
    const m = await whoCan({
      roles: [prefixRole],
      providers: [],
      repositories: [{ uuid: FLAGGED }, { uuid: STAGING }],
    });
    const t = table(m);
    expect(t[FLAGGED]).toEqual({ prefix: true });
    expect(t[STAGING]).toEqual({ prefix: false });
  });

  it("--config: builds the template and asks in each account the config targets", () => {
    const config = `workspace:
  slug: acme
  uuid: "{4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31}"
provider:
  create: true
roles:
  - name: deploy
    accounts: ["111111111111", "222222222222"]
    repositories: ["${REPO}"]
`;
    const input = fromConfigText(config, "bb-oidc.yaml");
    expect(input.roles.map((r) => r.roleArn)).toEqual([
      "arn:aws:iam::111111111111:role/deploy",
      "arn:aws:iam::222222222222:role/deploy",
    ]);
  });

  it("renders markdown and csv", async () => {
    const input = fromTemplateText(readFileSync(join(ROOT, TEMPLATE), "utf8"), TEMPLATE);
    const m = await whoCan({ roles: input.roles, providers: input.providers });
    const md = renderMatrix(m, "markdown");
    expect(md.split("\n")[0]).toBe(
      "| Repository / environment | deploy-web-prod | read-only-anywhere |",
    );
    expect(md).toContain("| any other repository | ✗ | ✓ |");
    const csv = renderMatrix(m, "csv").trim().split("\n");
    expect(csv[0]).toBe("repository,environment,other_repository,role,account,role_arn,allowed");
    expect(csv).toHaveLength(1 + m.rows.length * 2);
  });
});

describe("bb-oidc who-can (built CLI)", () => {
  beforeAll(() => {
    ensureBuilt();
  });
  const run = (...args: string[]) =>
    spawnSync("node", ["dist/cli.cjs", "who-can", ...args], { cwd: ROOT, encoding: "utf8" });

  it("prints an aligned table with ✓/✗ and JSON on request", () => {
    const r = run("--template", TEMPLATE, "--repository", `web=${REPO}`);
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^repository \/ environment +deploy-web-prod {2}read-only-anywhere$/);
    expect(r.stdout).toMatch(/^web env \{d2a8f6b0-1c4e-4a9d-b7e3-5f0c9e8d7a61\} +✓ +✓$/m);
    expect(r.stdout).toMatch(/^any other repository +✗ +✓$/m);
    // No --account: the placeholder account is said to be one, not left to look real.
    expect(r.stdout).toContain("123456789012 stands for any account the template is deployed to");
    const named = run("--template", TEMPLATE, "--account", "210987654321");
    expect(named.stdout).not.toContain("stands for");
    const json = JSON.parse(run("--template", TEMPLATE, "--format", "json").stdout);
    const other = json.rows.find((x: { otherRepository?: boolean }) => x.otherRepository);
    expect(other.cells.map((c: { allowed: boolean }) => c.allowed)).toEqual([false, true]);
  });

  it("exits 2 on unusable input", () => {
    expect(run().status).toBe(2);
    expect(run("--template", TEMPLATE, "--repository", "not-a-uuid").status).toBe(2);
    expect(run("--template", TEMPLATE, "--format", "xml").status).toBe(2);
    expect(run("--template", "nope.yaml").stderr).toContain("nope.yaml");
  });
});

describe("who-can scales linearly", () => {
  it("1,000 roles, each its own repository and environment, well under 2 s", async () => {
    const url = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
    const aud = "ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31";
    const hex = (i: number) => i.toString(16).padStart(12, "0");
    const roles = Array.from({ length: 1000 }, (_, i) => ({
      name: `role-${i}`,
      account: "123456789012",
      roleArn: `arn:aws:iam::123456789012:role/role-${i}`,
      trustPolicy: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${url}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { [`${url}:aud`]: aud },
              StringLike: {
                [`${url}:sub`]: `{aaaaaaaa-bbbb-4ccc-8ddd-${hex(i)}}:{eeeeeeee-bbbb-4ccc-8ddd-${hex(i)}}:*`,
              },
            },
          },
        ],
      },
    }));
    const m = await whoCan({
      roles,
      providers: [{ account: "123456789012", url, clientIds: [aud] }],
    });
    expect(m.rows).toHaveLength(2001);
    // Exactly one allowed cell per role: its own repository in its own environment.
    let allowed = 0;
    for (const row of m.cells) for (const c of row) if (c.allowed) allowed++;
    expect(allowed).toBe(1000);
  });
});
