import {
  CreateStackCommand,
  ListStacksCommand,
  ValidateTemplateCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MAX_ALIAS_NODES } from "../../../src/provision/reader/located-yaml.js";
import { templateBomb as bomb } from "../../provision/reader/alias-bomb.js";
import { cfn, FAST, failure, providerAndRole, startEndpoint } from "./helpers.js";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let client: ReturnType<typeof cfn>;
beforeAll(async () => {
  ep = await startEndpoint();
  client = cfn(ep.url, ep.accounts[0]!);
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
});

describe("a template of nested YAML aliases", () => {
  test("is a ValidationError naming the limit, and the emulator goes on answering", async () => {
    for (const call of [
      new CreateStackCommand({ StackName: "bomb", TemplateBody: bomb }),
      new ValidateTemplateCommand({ TemplateBody: bomb }),
    ]) {
      const started = Date.now();
      const f = await failure(client.send(call as CreateStackCommand));
      expect(f).toMatchObject({ name: "ValidationError", status: 400 });
      expect(f.message).toContain(
        `more than ${MAX_ALIAS_NODES.toLocaleString("en-US")} nodes, the limit for alias expansion`,
      );
      expect(Date.now() - started).toBeLessThan(5000);
    }
    // Others are served as before, and nothing was half-made.
    const listed = await client.send(new ListStacksCommand({}));
    expect(listed.StackSummaries ?? []).toEqual([]);
    await client.send(
      new CreateStackCommand({
        StackName: "after",
        TemplateBody: providerAndRole(),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    await waitUntilStackCreateComplete({ client, ...FAST }, { StackName: "after" });
  });
});
