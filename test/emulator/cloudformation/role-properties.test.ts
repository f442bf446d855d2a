/**
 * Every IAM property bb-oidc's template builder emits goes through a stack and is visible through
 * IAM afterwards; updates change them in place, and a new RoleName replaces the role.
 */
import {
  CreateStackCommand,
  DescribeStackEventsCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import { GetRoleCommand, ListRoleTagsCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../../../src/provision/config/index.js";
import { buildTemplate, renderTemplate } from "../../../src/provision/template/index.js";
import { cfn, FAST, failure, iam, providerAndRole, settle, startEndpoint } from "./helpers.js";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let client: ReturnType<typeof cfn>;
let iamClient: ReturnType<typeof iam>;
beforeAll(async () => {
  ep = await startEndpoint();
  client = cfn(ep.url, ep.accounts[0]!);
  iamClient = iam(ep.url, ep.accounts[0]!);
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
});

function template(role: string): string {
  const config = loadConfig(
    `workspace: { slug: acme, uuid: "{4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31}" }
provider: { create: true }
roles:
${role}`,
    "bb-oidc.yaml",
  );
  return renderTemplate(buildTemplate(config), "yaml");
}

const ROLE = (extra: string, name = "props-role", path = "/deploy/") => `  - name: ${name}
    path: ${path}
    accounts: ["111111111111"]
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}"]
${extra}`;

async function update(body: string): Promise<string> {
  await client.send(
    new UpdateStackCommand({
      StackName: "props",
      TemplateBody: body,
      Capabilities: ["CAPABILITY_NAMED_IAM"],
    }),
  );
  return settle(client, "props");
}

describe("AWS::IAM::Role properties through a stack", () => {
  test("boundary, tags, description, path and session duration are created as written", async () => {
    await client.send(
      new CreateStackCommand({
        StackName: "props",
        TemplateBody: template(
          ROLE(`    description: Deploys the web site.
    maxSessionDuration: 7200
    permissionsBoundary: arn:aws:iam::aws:policy/PowerUserAccess
    tags: { team: web, cost-centre: "42" }
`),
        ),
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    await waitUntilStackCreateComplete({ client, ...FAST }, { StackName: "props" });
    const role = (await iamClient.send(new GetRoleCommand({ RoleName: "props-role" }))).Role!;
    expect(role.Path).toBe("/deploy/");
    expect(role.Arn).toBe("arn:aws:iam::111111111111:role/deploy/props-role");
    expect(role.Description).toBe("Deploys the web site.");
    expect(role.MaxSessionDuration).toBe(7200);
    expect(role.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: "Policy",
      PermissionsBoundaryArn: "arn:aws:iam::aws:policy/PowerUserAccess",
    });
    const tags = (await iamClient.send(new ListRoleTagsCommand({ RoleName: "props-role" }))).Tags;
    expect(Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({
      "managed-by": "bb-oidc",
      "bb-oidc:workspace": "acme",
      team: "web",
      "cost-centre": "42",
    });
  });

  test("an update changes each of them in place", async () => {
    expect(
      await update(
        template(
          ROLE(`    description: Deploys the web site and its CDN.
    maxSessionDuration: 3600
    permissionsBoundary: arn:aws:iam::aws:policy/ReadOnlyAccess
    tags: { team: platform }
`),
        ),
      ),
    ).toBe("UPDATE_COMPLETE");
    const role = (await iamClient.send(new GetRoleCommand({ RoleName: "props-role" }))).Role!;
    expect(role.Description).toBe("Deploys the web site and its CDN.");
    expect(role.MaxSessionDuration).toBe(3600);
    expect(role.PermissionsBoundary?.PermissionsBoundaryArn).toBe(
      "arn:aws:iam::aws:policy/ReadOnlyAccess",
    );
    const tags = (await iamClient.send(new ListRoleTagsCommand({ RoleName: "props-role" }))).Tags;
    expect((tags ?? []).map((t) => `${t.Key}=${t.Value}`).sort()).toEqual([
      "bb-oidc:workspace=acme",
      "managed-by=bb-oidc",
      "team=platform",
    ]);

    expect(await update(template(ROLE("")))).toBe("UPDATE_COMPLETE");
    const bare = (await iamClient.send(new GetRoleCommand({ RoleName: "props-role" }))).Role!;
    expect(bare.PermissionsBoundary).toBeUndefined();
  });

  test("renaming a role in bb-oidc.yaml makes the new role and deletes the old one", async () => {
    expect(await update(template(ROLE("", "props-role-v2")))).toBe("UPDATE_COMPLETE");
    expect(
      (await iamClient.send(new GetRoleCommand({ RoleName: "props-role-v2" }))).Role?.Path,
    ).toBe("/deploy/");
    expect(
      (await failure(iamClient.send(new GetRoleCommand({ RoleName: "props-role" })))).name,
    ).toBe("NoSuchEntityException");
  });

  test("a new RoleName on the same resource replaces it: the new one first, the old one deleted in cleanup", async () => {
    await client.send(
      new CreateStackCommand({
        StackName: "replace",
        TemplateBody: providerAndRole({ roleName: "replace-v1", workspace: "replace" }),
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    await waitUntilStackCreateComplete({ client, ...FAST }, { StackName: "replace" });
    await client.send(
      new UpdateStackCommand({
        StackName: "replace",
        TemplateBody: providerAndRole({ roleName: "replace-v2", workspace: "replace" }),
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    expect(await settle(client, "replace")).toBe("UPDATE_COMPLETE");
    expect(
      (await iamClient.send(new GetRoleCommand({ RoleName: "replace-v2" }))).Role,
    ).toBeDefined();
    expect(
      (await failure(iamClient.send(new GetRoleCommand({ RoleName: "replace-v1" })))).name,
    ).toBe("NoSuchEntityException");
    const events = (
      (await client.send(new DescribeStackEventsCommand({ StackName: "replace" }))).StackEvents ??
      []
    )
      .reverse()
      .filter((e) => e.LogicalResourceId === "DeployRole");
    expect(events.slice(-4).map((e) => `${e.ResourceStatus}:${e.PhysicalResourceId}`)).toEqual([
      "UPDATE_IN_PROGRESS:replace-v1",
      "UPDATE_COMPLETE:replace-v2",
      "DELETE_IN_PROGRESS:replace-v1",
      "DELETE_COMPLETE:replace-v1",
    ]);
  });

  test("a replacement that keeps the custom name fails and rolls back, as in AWS", async () => {
    expect(await update(template(ROLE("", "props-role-v2", "/other/")))).toBe(
      "UPDATE_ROLLBACK_COMPLETE",
    );
    const events = (await client.send(new DescribeStackEventsCommand({ StackName: "props" })))
      .StackEvents!;
    expect(events.find((e) => e.ResourceStatus === "UPDATE_FAILED")?.ResourceStatusReason).toBe(
      "CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename props-role-v2 and update the stack again.",
    );
    expect(
      (await iamClient.send(new GetRoleCommand({ RoleName: "props-role-v2" }))).Role?.Path,
    ).toBe("/deploy/");
  });
});
