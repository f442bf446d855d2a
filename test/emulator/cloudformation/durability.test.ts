import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  cloudFormationState,
  INTERRUPTED_REASON,
} from "../../../src/emulator/aws/cloudformation/index.js";
import { startAwsEndpoint } from "../../../src/emulator/aws/index.js";
import { openStore } from "../../../src/emulator/store/index.js";
import { cfn, FAST, providerAndRole } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bb-oidc-cfn-durable-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function start() {
  const store = await openStore(dir);
  const ep = await startAwsEndpoint({
    store,
    accounts: ["111111111111"],
    host: "127.0.0.1",
    port: 0,
  });
  return {
    ep,
    async stop() {
      await ep.close();
      await store.close();
    },
  };
}

test("a stack survives a restart; an operation cut short is reported failed", async () => {
  const first = await start();
  const c1 = cfn(first.ep.url, first.ep.accounts[0]!);
  await c1.send(
    new CreateStackCommand({
      StackName: "kept",
      TemplateBody: providerAndRole({ roleName: "kept" }),
      Capabilities: ["CAPABILITY_NAMED_IAM"],
    }),
  );
  await waitUntilStackCreateComplete({ client: c1, ...FAST }, { StackName: "kept" });
  // Slow the next operation down so the "crash" lands in the middle of it.
  cloudFormationState(first.ep.backend).timing.stepDelayMs = 2000;
  await c1.send(
    new CreateStackCommand({
      StackName: "cut",
      TemplateBody: providerAndRole({ roleName: "cut", workspace: "cut" }),
      Capabilities: ["CAPABILITY_NAMED_IAM"],
    }),
  );
  await first.stop();

  const second = await start();
  const c2 = cfn(second.ep.url, second.ep.accounts[0]!);
  const kept = (await c2.send(new DescribeStacksCommand({ StackName: "kept" }))).Stacks![0]!;
  expect(kept.StackStatus).toBe("CREATE_COMPLETE");
  expect(kept.Outputs?.find((o) => o.OutputKey === "RoleArn")?.OutputValue).toBe(
    "arn:aws:iam::111111111111:role/kept",
  );
  const cut = (await c2.send(new DescribeStacksCommand({ StackName: "cut" }))).Stacks![0]!;
  expect(cut.StackStatus).toBe("CREATE_FAILED");
  expect(cut.StackStatusReason).toBe(INTERRUPTED_REASON);
  const events = (await c2.send(new DescribeStackEventsCommand({ StackName: "cut" }))).StackEvents!;
  expect(events[0]!.ResourceStatus).toBe("CREATE_FAILED");
  await second.stop();
});
