/** CloudFormation reads TemplateURL from the emulator's S3, with AWS's limits and refusals. */
import {
  CreateStackCommand,
  CreateStackSetCommand,
  DescribeStackSetCommand,
  ValidateTemplateCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import { ListRolesCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../../../src/provision/config/index.js";
import { buildTemplate, renderTemplate } from "../../../src/provision/template/index.js";
import { s3 } from "../s3/helpers.js";
import { cfn, FAST, failure, iam, startEndpoint } from "./helpers.js";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let client: ReturnType<typeof cfn>;
let bucketUrl: string;

/** A bb-oidc template with `n` roles: 60 make about 80 KB, beyond TemplateBody's 51,200. */
function manyRoles(n: number, prefix = "role"): string {
  const roles = Array.from({ length: n }, (_, i) => {
    const hex = i.toString(16).padStart(12, "0");
    return `  - name: ${prefix}-${i}
    accounts: ["111111111111"]
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-${hex}}"]`;
  }).join("\n");
  const config = loadConfig(
    `workspace: { slug: acme, uuid: "{4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31}" }
provider: { create: true }
roles:
${roles}
`,
    "bb-oidc.yaml",
  );
  return renderTemplate(buildTemplate(config), "json");
}

beforeAll(async () => {
  ep = await startEndpoint();
  client = cfn(ep.url, ep.accounts[0]!);
  await s3(ep.url, ep.accounts[0]!, "us-east-1").send(
    new CreateBucketCommand({ Bucket: "cfn-templates" }),
  );
  bucketUrl = `${ep.url}/cfn-templates`;
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
});

async function upload(key: string, body: string): Promise<void> {
  await s3(ep.url, ep.accounts[0]!, "us-east-1").send(
    new PutObjectCommand({ Bucket: "cfn-templates", Key: key, Body: body }),
  );
}

describe("TemplateURL", () => {
  test("a template beyond TemplateBody's limit deploys from S3, path-style or virtual-hosted", async () => {
    const big = manyRoles(60);
    expect(Buffer.byteLength(big)).toBeGreaterThan(51_200);
    expect(
      await failure(
        client.send(
          new CreateStackCommand({
            StackName: "inline",
            TemplateBody: big,
            Capabilities: ["CAPABILITY_NAMED_IAM"],
          }),
        ),
      ),
    ).toEqual({
      name: "ValidationError",
      status: 400,
      message:
        "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200",
    });
    await upload("big/template.json", big);
    await client.send(
      new CreateStackCommand({
        StackName: "from-s3",
        TemplateURL: `${bucketUrl}/big/template.json`,
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    await waitUntilStackCreateComplete(
      { client, ...FAST, maxWaitTime: 60 },
      { StackName: "from-s3" },
    );
    const roles = await iam(ep.url, ep.accounts[0]!).send(new ListRolesCommand({ MaxItems: 1000 }));
    expect(roles.Roles?.filter((r) => r.RoleName?.startsWith("role-"))).toHaveLength(60);

    const validated = await client.send(
      new ValidateTemplateCommand({
        TemplateURL: "https://cfn-templates.s3.us-east-1.amazonaws.com/big/template.json",
      }),
    );
    expect(validated.Capabilities).toEqual(["CAPABILITY_NAMED_IAM"]);
  });

  test("a StackSet takes its template from S3 too", async () => {
    await upload("set.json", manyRoles(2, "set-role"));
    await client.send(
      new CreateStackSetCommand({
        StackSetName: "from-s3",
        TemplateURL: `https://s3.amazonaws.com/cfn-templates/set.json`,
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    const set = await client.send(new DescribeStackSetCommand({ StackSetName: "from-s3" }));
    expect(set.StackSet?.TemplateBody).toContain("set-role-1");
  });

  test("refusals: not S3, no such object, another account's bucket, over 1 MB", async () => {
    const validate = (url: string, c = client) =>
      failure(c.send(new ValidateTemplateCommand({ TemplateURL: url })));
    expect(await validate("https://example.com/template.yaml")).toMatchObject({
      name: "ValidationError",
      message: "TemplateURL must be a supported URL.",
    });
    const noAccess = "TemplateURL must reference a valid S3 object to which you have access.";
    expect(await validate(`${bucketUrl}/missing.yaml`)).toMatchObject({ message: noAccess });
    expect(await validate(`${bucketUrl}/set.json`, cfn(ep.url, ep.accounts[1]!))).toMatchObject({
      message: noAccess,
    });
    await upload("huge.yaml", `Description: ${"x".repeat(1_048_577)}\n`);
    expect(await validate(`${bucketUrl}/huge.yaml`)).toMatchObject({
      message: "Template may not exceed 1048576 bytes in size.",
    });
  });
});
