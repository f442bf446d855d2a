// StackSet rollout in the emulator: the time from CreateStackInstances to a SUCCEEDED operation
// for 10 and for 100 accounts (one region, all accounts at once), with the real AWS SDK against
// `bb-oidc emulator` (the bundled CLI, its own process). Each instance is a real stack whose
// provider and role are created in that account's IAM. The figure is per-account time at 100
// accounts against per-account time at 10: at most 1 means the rollout scales no worse than linearly.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CloudFormationClient,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DescribeStackSetOperationCommand,
} from "@aws-sdk/client-cloudformation";
import { startEmulatorProcess, stopProcess } from "./emulator/procs.mjs";
import { emit, round } from "./lib.mjs";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = fileURLToPath(new URL("..", import.meta.url));
const ADMIN = "100000000000";
const members = (n, base) => Array.from({ length: n }, (_, i) => String(base + i));
const accounts10 = members(10, 200000000000);
const accounts100 = members(100, 300000000000);

const template = (workspace) => `Resources:
  Provider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://api.bitbucket.org/2.0/workspaces/${workspace}/pipelines-config/identity/oidc
      ClientIdList: ["ari:cloud:bitbucket::workspace/00000000-0000-4000-8000-000000000000"]
      ThumbprintList: ["${"a".repeat(40)}"]
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Federated: !Ref Provider }
            Action: sts:AssumeRoleWithWebIdentity
`;

async function rollout(client, name, accounts) {
  await client.send(
    new CreateStackSetCommand({
      StackSetName: name,
      TemplateBody: template(name),
      Capabilities: ["CAPABILITY_NAMED_IAM"],
    }),
  );
  const started = process.hrtime.bigint();
  const { OperationId } = await client.send(
    new CreateStackInstancesCommand({
      StackSetName: name,
      Accounts: accounts,
      Regions: ["us-east-1"],
      OperationPreferences: {
        MaxConcurrentPercentage: 100,
        ConcurrencyMode: "SOFT_FAILURE_TOLERANCE",
      },
    }),
  );
  for (;;) {
    const op = (
      await client.send(new DescribeStackSetOperationCommand({ StackSetName: name, OperationId }))
    ).StackSetOperation;
    if (op.Status === "SUCCEEDED") break;
    if (op.Status !== "RUNNING")
      throw new Error(`${name}: operation ${op.Status}: ${op.StatusReason ?? ""}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const state = await mkdtemp(join(tmpdir(), "bb-oidc-bench-stackset-"));
const { child, ready } = await startEmulatorProcess({
  root,
  stateDir: state,
  args: [ADMIN, ...accounts10, ...accounts100].flatMap((a) => ["--account", a]),
});
try {
  const admin = ready.accounts.find((a) => a.id === ADMIN);
  const client = new CloudFormationClient({
    endpoint: ready.awsEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
  });
  const accounts10Ms = await rollout(client, "bench10", accounts10);
  const accounts100Ms = await rollout(client, "bench100", accounts100);
  const perAccount10Ms = accounts10Ms / 10;
  const perAccount100Ms = accounts100Ms / 100;
  const ratio = perAccount100Ms / perAccount10Ms;
  emit({
    name: "stackset-rollout",
    accounts10Ms: round(accounts10Ms, 1),
    accounts100Ms: round(accounts100Ms, 1),
    perAccount10Ms: round(perAccount10Ms, 2),
    perAccount100Ms: round(perAccount100Ms, 2),
    ratio: round(ratio),
    target: "per-account time at 100 accounts <= per-account time at 10",
    meetsTarget: ratio <= 1,
  });
} finally {
  await stopProcess(child);
  await rm(state, { recursive: true, force: true });
}
