/**
 * A deployment made through S3 stays one: its units are larger than a request takes, so a later
 * `deploy --config` without --s3-bucket must not re-split them (every role that moves between
 * units is deleted and created again), and `status` compares it without being told the bucket.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCli } from "../../e2e/cli-run.js";
import { cfn, iam, startEndpoint } from "../../emulator/cloudformation/helpers.js";
import { s3 } from "../../emulator/s3/helpers.js";
import { emulatorAwsEnv } from "../../support/aws-env.js";
import { ensureBuilt } from "../../support/built-cli.js";

const OWN = "111111111111";
const N = 60; // about 66 KB of template: over a request's 51,200 bytes, one unit through S3
let ep: Awaited<ReturnType<typeof startEndpoint>>;
let dir: string;
let configFile: string;

beforeAll(async () => {
  ensureBuilt();
  ep = await startEndpoint();
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-s3-transport-"));
  await s3(ep.url, ep.accounts[0]!, "us-east-1").send(new CreateBucketCommand({ Bucket: "tpl" }));
  const roles = Array.from(
    { length: N },
    (_, i) => `  - name: svc-${i}
    accounts: ["${OWN}"]
    repositories: ["{7d1c0000-0000-4000-8000-${i.toString(16).padStart(12, "0")}}"]
`,
  ).join("");
  configFile = join(dir, "bb-oidc.yaml");
  writeFileSync(
    configFile,
    `workspace: { slug: acme, uuid: "{4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31}" }
provider: { create: true }
roles:
${roles}`,
  );
}, 120_000);
afterAll(async () => {
  await ep?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]) {
  return runCli(args, {
    env: emulatorAwsEnv({
      credentials: ep.accounts[0]!,
      endpoint: ep.url,
      home: dir,
      extra: { AWS_MAX_ATTEMPTS: "1" },
    }),
  });
}

const deploy = (...extra: string[]) =>
  run(["deploy", "--config", configFile, "--stack-name", "big", "--yes", ...extra]);

async function liveStacks(): Promise<string[]> {
  const out = await cfn(ep.url, ep.accounts[0]!).send(
    new ListStacksCommand({ StackStatusFilter: ["CREATE_COMPLETE", "UPDATE_COMPLETE"] }),
  );
  return (out.StackSummaries ?? []).map((s) => s.StackName!).sort();
}

test("a deployment made through S3: deploy without --s3-bucket is refused before anything changes; status needs no bucket", async () => {
  const first = await deploy("--s3-bucket", "tpl");
  expect(first.stderr).not.toMatch(/\n\s+at /);
  expect(first.code).toBe(0);
  expect(await liveStacks()).toEqual(["big"]);
  const roleId = (
    await iam(ep.url, ep.accounts[0]!).send(new GetRoleCommand({ RoleName: "svc-0" }))
  ).Role!.RoleId;

  // Forgetting the bucket would split "big" in two and move half its roles (each deleted and
  // created again): refused, naming the flag, nothing changed.
  const again = await deploy();
  expect(again.stderr).not.toMatch(/\n\s+at /);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain("through S3");
  expect(again.stderr).toContain("--s3-bucket");
  expect(await liveStacks()).toEqual(["big"]);
  const still = await iam(ep.url, ep.accounts[0]!).send(new GetRoleCommand({ RoleName: "svc-0" }));
  expect(still.Role!.RoleId).toBe(roleId);

  // status compares what is there with what deploy would send, without being told the bucket.
  const status = await run(["status", "--config", configFile, "--stack-name", "big"]);
  expect(status.stderr).not.toMatch(/\n\s+at /);
  expect(status.stdout).not.toContain("Not deployed yet");
  expect(status.code).toBe(0);

  // With the bucket, as before: nothing to change.
  const same = await deploy("--s3-bucket", "tpl");
  expect(same.code).toBe(0);
  expect(same.stdout).toContain("No changes");
}, 300_000);

test("a bucket that does not exist: S3's refusal, named as S3's, with the bucket and how to create it; nothing deployed", async () => {
  const r = await run([
    "deploy",
    "--config",
    configFile,
    "--stack-name",
    "nobucket",
    "--s3-bucket",
    "no-such-bucket",
    "--yes",
  ]);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(
    "S3 refused to store the template of nobucket as s3://no-such-bucket/",
  );
  expect(r.stderr).toContain("NoSuchBucket");
  expect(r.stderr).toContain("aws s3 mb s3://no-such-bucket");
  expect(r.stderr).not.toContain("CloudFormation refused");
  expect((await liveStacks()).filter((n) => n.startsWith("nobucket"))).toEqual([]);
}, 120_000);
