/** The AWS CLI (botocore) against the emulator: `deploy` and `wait`, as a person would run them. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeWith } from "../../support/real-clients.js";
import { iam, providerAndRole, startEndpoint } from "./helpers.js";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let home: string;
beforeAll(async () => {
  ep = await startEndpoint();
  home = mkdtempSync(join(tmpdir(), "bb-oidc-awscli-"));
});
afterAll(async () => {
  await ep.close();
  rmSync(home, { recursive: true, force: true });
});

/** Asynchronous: the emulator answers from this same process, so a blocking spawn would hang. */
function aws(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const admin = ep.accounts[0]!;
  const child = spawn("aws", [...args, "--endpoint-url", ep.url], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
      ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}),
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr })),
  );
}

describeWith(["aws"], "aws cloudformation (CLI v1, botocore)", () => {
  test("deploy creates the stack through a change set and its waiters; again: no changes", async () => {
    const file = join(home, "template.yaml");
    writeFileSync(file, providerAndRole({ roleName: "cli-deployed" }));
    const r = await aws([
      "cloudformation",
      "deploy",
      "--template-file",
      file,
      "--stack-name",
      "awscli",
      "--capabilities",
      "CAPABILITY_NAMED_IAM",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Successfully created/updated stack - awscli");
    const role = await iam(ep.url, ep.accounts[0]!).send(
      new GetRoleCommand({ RoleName: "cli-deployed" }),
    );
    expect(role.Role?.RoleName).toBe("cli-deployed");

    const waited = await aws([
      "cloudformation",
      "wait",
      "stack-create-complete",
      "--stack-name",
      "awscli",
    ]);
    expect(waited.status).toBe(0);

    const again = await aws([
      "cloudformation",
      "deploy",
      "--template-file",
      file,
      "--stack-name",
      "awscli",
      "--capabilities",
      "CAPABILITY_NAMED_IAM",
      "--no-fail-on-empty-changeset",
    ]);
    expect(again.status).toBe(0);
    // CLI v1 prints this on stderr.
    expect(again.stdout + again.stderr).toContain(
      "No changes to deploy. Stack awscli is up to date",
    );

    const described = JSON.parse(
      (await aws(["cloudformation", "describe-stacks", "--stack-name", "awscli"])).stdout,
    );
    expect(described.Stacks[0].StackStatus).toBe("CREATE_COMPLETE");
  }, 120_000);

  test("deploy without the capability fails with CloudFormation's message", async () => {
    const file = join(home, "nocap.yaml");
    writeFileSync(file, providerAndRole({ roleName: "nocap", workspace: "nocap" }));
    const r = await aws([
      "cloudformation",
      "deploy",
      "--template-file",
      file,
      "--stack-name",
      "nocap",
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("InsufficientCapabilitiesException");
    expect(r.stderr).toContain("Requires capabilities : [CAPABILITY_NAMED_IAM]");
  }, 60_000);
});
