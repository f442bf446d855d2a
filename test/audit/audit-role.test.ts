/**
 * The read-only audit role, as a platform team rolls it out: `bb-oidc template --audit-role`,
 * checked by cfn-lint, deployed to the organization's OUs with a service-managed StackSet, then
 * entered by `bb-oidc audit --assume-role-name bb-oidc-audit` — and refused without its external ID.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { deployStackSet } from "../../src/provision/deploy/index.js";
import { runCli } from "../e2e/cli-run.js";
import { ensureBuilt } from "../support/built-cli.js";
import { clientEnv, runClient, testWith } from "../support/real-clients.js";
import { AUDITOR_ROLE, DEV, GHOST, MANAGEMENT, OUS, PROD_A, PROD_B } from "./fixtures.js";
import { credsOf, type Endpoint, startPlantedOrganization } from "./org-fixture.js";

let ep: Endpoint;
let dir: string;
let template: string;
beforeAll(async () => {
  ensureBuilt();
  ep = await startPlantedOrganization();
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-audit-role-"));
  const r = await runCli(["template", "--audit-role", "--format", "json"], { env: { HOME: dir } });
  expect(r.code).toBe(0);
  template = r.stdout;
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
  rmSync(dir, { recursive: true, force: true });
});

function audit(args: string[]) {
  return runCli(["audit", "--endpoint-url", ep.url, "--format", "json", "--no-progress", ...args], {
    env: {
      AWS_ACCESS_KEY_ID: ep.auditor.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ep.auditor.secretAccessKey,
      AWS_SESSION_TOKEN: ep.auditor.sessionToken!,
      AWS_REGION: "us-east-1",
      HOME: dir,
    },
  });
}

describe("bb-oidc template --audit-role", () => {
  test("read-only IAM, nothing account-specific (StackSet-ready)", () => {
    const t = JSON.parse(template);
    const role = t.Resources.AuditRole;
    const actions: string[] = role.Properties.Policies[0].PolicyDocument.Statement[0].Action;
    expect(actions.every((a) => /^iam:(Get|List)/.test(a))).toBe(true);
    expect(actions).toContain("iam:GetAccountAuthorizationDetails");
    expect(JSON.stringify(t.Resources)).not.toMatch(/\d{12}/);
    expect(t.Parameters.AuditorPrincipalArn.AllowedPattern).toBeTruthy();
  });

  test("the YAML says where it comes from: the command, not bb-oidc.yaml", async () => {
    const r = await runCli(["template", "--audit-role"], { env: { HOME: dir } });
    expect(r.code).toBe(0);
    const first = r.stdout.split("\n")[0]!;
    expect(first).toContain("bb-oidc template --audit-role");
    expect(first).not.toContain("bb-oidc.yaml");
  });

  testWith(["cfn-lint"], "cfn-lint finds nothing to say about it", async () => {
    const file = join(dir, "audit-role.json");
    writeFileSync(file, template);
    const r = await runClient("cfn-lint", [file], { env: clientEnv(dir) });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("deployed to every OU by a StackSet, it is what audit enters each member with", async () => {
    const cfn = new CloudFormationClient({
      endpoint: ep.url,
      region: "us-east-1",
      credentials: credsOf(ep, MANAGEMENT),
      maxAttempts: 1,
    });
    const rollout = await deployStackSet(cfn, {
      stackSetName: "bb-oidc-audit",
      templateBody: template,
      capabilities: ["CAPABILITY_NAMED_IAM"],
      organizationalUnits: Object.keys(OUS),
      regions: ["us-east-1"],
      parameters: {
        AuditorPrincipalArn: `arn:aws:iam::${MANAGEMENT}:role/${AUDITOR_ROLE}`,
        ExternalId: "acme-audit",
      },
      preferences: { maxConcurrentPercentage: 100, failureTolerancePercentage: 100 },
      pollMs: 20,
    });
    const ok = rollout.instances.filter((i) => i.status === "SUCCEEDED").map((i) => i.account);
    expect(ok.sort()).toEqual([DEV, PROD_A, PROD_B].sort());

    const r = await audit([
      "--organization",
      "--assume-role-name",
      "bb-oidc-audit",
      "--external-id",
      "acme-audit",
    ]);
    const report = JSON.parse(r.stdout);
    const status = Object.fromEntries(
      report.accounts.map((a: { account: string; status: string }) => [a.account, a.status]),
    );
    expect(status).toEqual({
      [MANAGEMENT]: "audited",
      [PROD_A]: "audited",
      [PROD_B]: "audited",
      [DEV]: "audited",
      [GHOST]: "unreachable",
    });
    expect(report.accounts.find((a: { account: string }) => a.account === PROD_A).via).toBe(
      `arn:aws:iam::${PROD_A}:role/bb-oidc-audit`,
    );
    expect(r.code).toBe(4);

    const wrongId = await audit(["--accounts", PROD_A, "--assume-role-name", "bb-oidc-audit"]);
    const refused = JSON.parse(wrongId.stdout).accounts[0];
    expect(refused.status).toBe("unreachable");
    expect(refused.error).toContain("AccessDenied");
  });
});
