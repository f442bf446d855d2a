/** `bb-oidc deploy` as a pipeline runs it: the bundled CLI, a child process, env credentials. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../e2e/cli-run.js";
import { providerAndRole, startEndpoint } from "../../emulator/cloudformation/helpers.js";
import { emulatorAwsEnv } from "../../support/aws-env.js";
import { ensureBuilt } from "../../support/built-cli.js";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  ep = await startEndpoint();
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-deploy-"));
}, 120_000);
afterAll(async () => {
  await ep.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(
  args: string[],
  extraEnv: Record<string, string> = {},
  command = "deploy",
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // stdin is not a terminal and stdout is a pipe: the CI path.
  return runCli([command, ...args], {
    env: emulatorAwsEnv({
      credentials: ep.accounts[0]!,
      endpoint: ep.url,
      home: dir,
      extra: extraEnv,
    }),
  });
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("bb-oidc deploy", () => {
  test("creates a stack with --yes: change table, one plain line per event, outputs, exit 0", async () => {
    const t = file("ok.yaml", providerAndRole({ roleName: "cli-role", workspace: "cli" }));
    const r = await run(["--template", t, "--stack-name", "cli-stack", "--yes"]);
    expect(r.stderr).not.toContain("Error");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Action\s+Logical ID\s+Type\s+Replacement/);
    expect(r.stdout).toMatch(/Add\s+DeployRole\s+AWS::IAM::Role\s+-/);
    const lines = r.stdout.split("\n").filter((l) => /^\d{4}-\d\d-\d\dT/.test(l));
    expect(
      lines.map((l) =>
        l
          .split(/\s{2,}/)
          .slice(1, 4)
          .join(" "),
      ),
    ).toEqual([
      "CREATE_IN_PROGRESS AWS::CloudFormation::Stack cli-stack",
      "CREATE_IN_PROGRESS AWS::IAM::OIDCProvider Provider",
      "CREATE_COMPLETE AWS::IAM::OIDCProvider Provider",
      "CREATE_IN_PROGRESS AWS::IAM::Role DeployRole",
      "CREATE_COMPLETE AWS::IAM::Role DeployRole",
      "CREATE_COMPLETE AWS::CloudFormation::Stack cli-stack",
    ]);
    expect(r.stdout).toContain("RoleArn = arn:aws:iam::111111111111:role/cli-role");

    const again = await run(["--template", t, "--stack-name", "cli-stack", "--yes"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes to deploy: stack cli-stack is up to date.");
  }, 60_000);

  test("refuses to execute without --yes when not on a terminal (exit 2)", async () => {
    const t = file("noyes.yaml", providerAndRole({ roleName: "noyes", workspace: "noyes" }));
    const r = await run(["--template", t, "--stack-name", "noyes-stack"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("refusing to execute the change set without confirmation");
    expect(r.stderr).toContain("--yes");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  test("a failing stack: the first failure's reason, rollback reported, exit 1", async () => {
    const body = providerAndRole({
      roleName: "cli-fail",
      workspace: "clifail",
      extra: "  Topic:\n    Type: AWS::SNS::Topic\n    DependsOn: DeployRole\n",
    });
    const r = await run([
      "--template",
      file("fail.yaml", body),
      "--stack-name",
      "cli-fail",
      "--yes",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /stack cli-fail failed \(Topic\): .*does not support resource type AWS::SNS::Topic/,
    );
    expect(r.stderr).toContain("rolled back: the stack is ROLLBACK_COMPLETE");
    expect(r.stdout).toMatch(/ROLLBACK_IN_PROGRESS/);
    // status does not count the template's role as if the stack held it.
    const status = await run(["--stack-name", "cli-fail"], {}, "status");
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(
      /cli-fail\s+stack\s+ROLLBACK_COMPLETE\s+0 \(creation rolled back\)/,
    );
    const json = await run(["--stack-name", "cli-fail", "--format", "json"], {}, "status");
    expect(JSON.parse(json.stdout).units).toMatchObject([
      { name: "cli-fail", status: "ROLLBACK_COMPLETE", roles: [] },
    ]);
  }, 60_000);

  test("input errors exit 2 without a stack trace", async () => {
    const r = await run(["--stack-name", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("give --template FILE or --config FILE");
    const caps = await run([
      "--template",
      file("caps.yaml", providerAndRole({ roleName: "c", workspace: "caps" })),
      "--stack-name",
      "caps",
      "--yes",
      "--capabilities",
      "CAPABILITY_IAM",
    ]);
    expect(caps.code).toBe(1);
    expect(caps.stderr).toContain("Requires capabilities : [CAPABILITY_NAMED_IAM]");
  }, 60_000);
});
