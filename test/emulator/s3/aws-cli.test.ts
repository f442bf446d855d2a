/**
 * The AWS CLI (botocore) against the emulator's S3, as a person types it, and
 * `aws cloudformation deploy --s3-bucket` with a template beyond TemplateBody's limit.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { iam } from "../aws/helpers.js";
import { startEndpoint } from "./helpers.js";

function hasAws(): boolean {
  try {
    execFileSync("aws", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
// Under CI a missing client is a failure, not a skip.
const ci = !["", "0", "false"].includes((process.env.CI ?? "").toLowerCase());
const run = hasAws() || ci;

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let home: string;
beforeAll(async () => {
  ep = await startEndpoint();
  home = mkdtempSync(join(tmpdir(), "bb-oidc-s3cli-"));
});
afterAll(async () => {
  await ep.close();
  rmSync(home, { recursive: true, force: true });
});

/** `--endpoint-url` reaches one service; AWS_ENDPOINT_URL (botocore ≥ 1.31) reaches all of them. */
function aws(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const admin = ep.accounts[0]!;
  const child = spawn("aws", args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      AWS_DEFAULT_REGION: "eu-west-1",
      AWS_ENDPOINT_URL: ep.url,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: join(home, "none"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, "none"),
      AWS_PAGER: "",
      ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}),
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe.runIf(run)("aws s3 / s3api (CLI v1, botocore)", () => {
  test("create-bucket, put-object, cp, ls, get-object, head-object, delete-object", async () => {
    expect(hasAws()).toBe(true);
    const made = await aws([
      "s3api",
      "create-bucket",
      "--bucket",
      "cli-bucket",
      "--create-bucket-configuration",
      "LocationConstraint=eu-west-1",
    ]);
    expect(made.stderr).toBe("");
    const file = join(home, "t.yaml");
    writeFileSync(file, "Resources: {}\n");
    const put = await aws([
      "s3api",
      "put-object",
      "--bucket",
      "cli-bucket",
      "--key",
      "a/t.yaml",
      "--body",
      file,
    ]);
    expect(put.status).toBe(0);
    expect(JSON.parse(put.stdout).ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await aws(["s3", "cp", file, "s3://cli-bucket/b/t.yaml"])).status).toBe(0);
    const ls = await aws(["s3", "ls", "s3://cli-bucket/", "--recursive"]);
    expect(ls.stdout).toContain("a/t.yaml");
    expect(ls.stdout).toContain("b/t.yaml");
    const out = join(home, "out.yaml");
    expect(
      (await aws(["s3api", "get-object", "--bucket", "cli-bucket", "--key", "b/t.yaml", out]))
        .status,
    ).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("Resources: {}\n");
    const head = await aws(["s3api", "head-object", "--bucket", "cli-bucket", "--key", "a/t.yaml"]);
    expect(JSON.parse(head.stdout).ContentLength).toBe(14);
    expect(
      (await aws(["s3api", "delete-object", "--bucket", "cli-bucket", "--key", "a/t.yaml"])).status,
    ).toBe(0);
    const missing = await aws([
      "s3api",
      "head-object",
      "--bucket",
      "cli-bucket",
      "--key",
      "a/t.yaml",
    ]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("(404)");
    const denied = await aws([
      "s3api",
      "get-object",
      "--bucket",
      "cli-bucket",
      "--key",
      "nope",
      out,
    ]);
    expect(denied.stderr).toContain("NoSuchKey");
  });

  test("cloudformation deploy --s3-bucket uploads a large template and deploys it from S3", async () => {
    const roles = Array.from(
      { length: 80 },
      (_, i) => `  Role${i}:
    Type: AWS::IAM::Role
    Properties:
      RoleName: cli-s3-role-${i}
      Description: "${"A role deployed from S3 by the AWS CLI. ".repeat(10)}"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { AWS: "arn:aws:iam::${ep.accounts[0]!.id}:root" }
            Action: sts:AssumeRole
`,
    ).join("");
    const file = join(home, "big.yaml");
    writeFileSync(file, `Resources:\n${roles}`);
    expect(readFileSync(file).length).toBeGreaterThan(51_200);
    await aws([
      "s3api",
      "create-bucket",
      "--bucket",
      "cli-templates",
      "--create-bucket-configuration",
      "LocationConstraint=eu-west-1",
    ]);
    const r = await aws([
      "cloudformation",
      "deploy",
      "--template-file",
      file,
      "--stack-name",
      "cli-s3",
      "--s3-bucket",
      "cli-templates",
      "--s3-prefix",
      "bb-oidc",
      "--capabilities",
      "CAPABILITY_NAMED_IAM",
    ]);
    // The CLI shows its upload's progress on stderr; nothing else belongs there.
    expect(
      r.stderr
        .replace(
          /\rUploading to bb-oidc\/[0-9a-f]+\.template\s+[\d.]+ \/ [\d.]+\s+\(100\.00%\)/g,
          "",
        )
        .trim(),
    ).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Successfully created/updated stack - cli-s3");
    const role = await iam(ep.url, ep.accounts[0]!).send(
      new GetRoleCommand({ RoleName: "cli-s3-role-79" }),
    );
    expect(role.Role?.RoleName).toBe("cli-s3-role-79");
  }, 120_000);
});
