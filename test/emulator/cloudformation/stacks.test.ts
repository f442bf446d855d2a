import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListStacksCommand,
  UpdateStackCommand,
  ValidateTemplateCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from "@aws-sdk/client-cloudformation";
import { GetRoleCommand, GetRolePolicyCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
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

async function statusOf(name: string): Promise<string | undefined> {
  const d = await client.send(new DescribeStacksCommand({ StackName: name }));
  return d.Stacks?.[0]?.StackStatus;
}

async function events(name: string) {
  const e = await client.send(new DescribeStackEventsCommand({ StackName: name }));
  return (e.StackEvents ?? []).reverse();
}

describe("create", () => {
  test("a provider + role stack: asynchronous progress, waiter, outputs, IAM records", async () => {
    const created = await client.send(
      new CreateStackCommand({
        StackName: "bb-oidc",
        TemplateBody: providerAndRole({ roleName: "deploy-web" }),
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    expect(created.StackId).toMatch(
      /^arn:aws:cloudformation:us-east-1:111111111111:stack\/bb-oidc\/[0-9a-f-]{36}$/,
    );
    // Answered at once: the stack is still being created.
    expect(await statusOf("bb-oidc")).toBe("CREATE_IN_PROGRESS");
    await waitUntilStackCreateComplete({ client, ...FAST }, { StackName: "bb-oidc" });

    const stack = (await client.send(new DescribeStacksCommand({ StackName: "bb-oidc" })))
      .Stacks![0]!;
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    expect(stack.Description).toBe("bb-oidc test stack");
    const secret = stack.Parameters?.find((p) => p.ParameterKey === "Secret");
    expect(secret?.ParameterValue).toBe("****");
    const outputs = Object.fromEntries(
      (stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]),
    );
    expect(outputs.RoleArn).toBe("arn:aws:iam::111111111111:role/deploy-web");

    const role = (await iamClient.send(new GetRoleCommand({ RoleName: "deploy-web" }))).Role!;
    expect(role.Arn).toBe(outputs.RoleArn);
    // GetAtt RoleId is the ID IAM assigned, not a guess.
    expect(outputs.RoleId).toBe(role.RoleId);

    const history = await events("bb-oidc");
    expect(history.map((e) => `${e.LogicalResourceId}:${e.ResourceStatus}`)).toEqual([
      "bb-oidc:CREATE_IN_PROGRESS",
      "Provider:CREATE_IN_PROGRESS",
      "Provider:CREATE_COMPLETE",
      "DeployRole:CREATE_IN_PROGRESS",
      "DeployRole:CREATE_COMPLETE",
      "bb-oidc:CREATE_COMPLETE",
    ]);
    expect(history[0]!.ResourceStatusReason).toBe("User Initiated");
    expect(history.every((e) => e.Timestamp instanceof Date)).toBe(true);

    const resources = await client.send(
      new DescribeStackResourcesCommand({ StackName: "bb-oidc" }),
    );
    expect(
      resources.StackResources?.map((r) => [r.LogicalResourceId, r.PhysicalResourceId]),
    ).toEqual([
      ["Provider", outputs.ProviderArn],
      ["DeployRole", "deploy-web"],
    ]);
    const template = await client.send(new GetTemplateCommand({ StackName: "bb-oidc" }));
    expect(template.TemplateBody).toBe(providerAndRole({ roleName: "deploy-web" }));
  });

  test("a named role without CAPABILITY_NAMED_IAM is refused; unnamed needs CAPABILITY_IAM", async () => {
    const named = await failure(
      client.send(
        new CreateStackCommand({
          StackName: "nocap",
          TemplateBody: providerAndRole({ roleName: "x" }),
        }),
      ),
    );
    expect(named).toMatchObject({
      name: "InsufficientCapabilitiesException",
      message: "Requires capabilities : [CAPABILITY_NAMED_IAM]",
    });
    const unnamed = await failure(
      client.send(
        new CreateStackCommand({
          StackName: "nocap",
          TemplateBody: providerAndRole(),
          Capabilities: [],
        }),
      ),
    );
    expect(unnamed.message).toBe("Requires capabilities : [CAPABILITY_IAM]");
    await expect(client.send(new DescribeStacksCommand({ StackName: "nocap" }))).rejects.toThrow(
      "Stack with id nocap does not exist",
    );
  });

  test("an unsupported resource type fails the stack and rolls back", async () => {
    const body = providerAndRole({
      roleName: "rolled-back",
      workspace: "unsupported",
      extra: "  Bucket:\n    Type: AWS::S3::Bucket\n    DependsOn: DeployRole\n",
    });
    await client.send(
      new CreateStackCommand({
        StackName: "unsupported",
        TemplateBody: body,
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    expect(await settle(client, "unsupported")).toBe("ROLLBACK_COMPLETE");
    const stack = (await client.send(new DescribeStacksCommand({ StackName: "unsupported" })))
      .Stacks![0]!;
    expect(stack.StackStatus).toBe("ROLLBACK_COMPLETE");
    const failed = (await events("unsupported")).find((e) => e.ResourceStatus === "CREATE_FAILED");
    expect(failed?.LogicalResourceId).toBe("Bucket");
    expect(failed?.ResourceStatusReason).toContain(
      "does not support resource type AWS::S3::Bucket",
    );
    const rollback = (await events("unsupported")).find(
      (e) => e.ResourceStatus === "ROLLBACK_IN_PROGRESS",
    );
    expect(rollback?.ResourceStatusReason).toBe(
      "The following resource(s) failed to create: [Bucket]. Rollback requested by user.",
    );
    // Everything created before the failure is gone again.
    expect(
      (await failure(iamClient.send(new GetRoleCommand({ RoleName: "rolled-back" })))).name,
    ).toBe("NoSuchEntityException");
    // The create waiter treats ROLLBACK_COMPLETE as a failure.
    await expect(
      waitUntilStackCreateComplete({ client, ...FAST }, { StackName: "unsupported" }),
    ).rejects.toThrow();
    // A stack in ROLLBACK_COMPLETE cannot be updated, only deleted.
    const update = await failure(
      client.send(
        new UpdateStackCommand({
          StackName: "unsupported",
          UsePreviousTemplate: true,
          Capabilities: ["CAPABILITY_NAMED_IAM"],
        }),
      ),
    );
    expect(update.message).toMatch(/is in ROLLBACK_COMPLETE state and can not be updated\.$/);
    await client.send(new DeleteStackCommand({ StackName: "unsupported" }));
    await waitUntilStackDeleteComplete({ client, ...FAST }, { StackName: stack.StackId! });
  });

  test("a trust policy IAM refuses fails the resource with IAM's message", async () => {
    const body = `Resources:
  Bad:
    Type: AWS::IAM::Role
    Properties:
      RoleName: bad-trust
      AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: Maybe, Principal: "*", Action: "sts:AssumeRole" }] }
`;
    await client.send(
      new CreateStackCommand({
        StackName: "badtrust",
        TemplateBody: body,
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    expect(await settle(client, "badtrust")).toBe("ROLLBACK_COMPLETE");
    const failed = (await events("badtrust")).find((e) => e.ResourceStatus === "CREATE_FAILED");
    // IAM's own words for a statement of the wrong shape (docs/aws-behaviour.md, "IAM policies").
    expect(failed?.ResourceStatusReason).toMatch(
      /^Resource handler returned message: "Syntax errors in policy\. \(Service: Iam, Status Code: 400/,
    );
    expect(failed?.ResourceStatusReason).toContain("HandlerErrorCode: InvalidRequest");
  });

  test("template errors are ValidationErrors at once", async () => {
    const bad = await failure(
      client.send(
        new CreateStackCommand({
          StackName: "t1",
          TemplateBody:
            "Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties:\n      X: !Ref Nope\n",
        }),
      ),
    );
    expect(bad.name).toBe("ValidationError");
    expect(bad.message).toMatch(/^Template error: .*Nope/);
    const missing = await failure(
      client.send(
        new CreateStackCommand({
          StackName: "t1",
          TemplateBody:
            "Parameters:\n  P: { Type: String }\nResources:\n  A:\n    Type: AWS::IAM::OIDCProvider\n    Properties: { Url: !Ref P }\n",
        }),
      ),
    );
    expect(missing.message).toBe("Parameters: [P] must have values");
    const v = await client.send(
      new ValidateTemplateCommand({ TemplateBody: providerAndRole({ roleName: "r" }) }),
    );
    expect(v.Capabilities).toEqual(["CAPABILITY_NAMED_IAM"]);
    expect(v.Parameters?.find((p) => p.ParameterKey === "Secret")?.NoEcho).toBe(true);
  });
});

describe("update and delete", () => {
  test("a change set lists Modify/Add, executes, and an empty one FAILs as AWS's does", async () => {
    const name = "cs-stack";
    const first = await client.send(
      new CreateChangeSetCommand({
        StackName: name,
        ChangeSetName: "create-1",
        ChangeSetType: "CREATE",
        TemplateBody: providerAndRole({ roleName: "cs-role", workspace: "cs" }),
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    expect(await statusOf(name)).toBe("REVIEW_IN_PROGRESS");
    await waitUntilChangeSetCreateComplete(
      { client, ...FAST },
      { ChangeSetName: first.Id!, StackName: name },
    );
    const described = await client.send(new DescribeChangeSetCommand({ ChangeSetName: first.Id! }));
    expect(
      described.Changes?.map(
        (c) => `${c.ResourceChange?.Action}:${c.ResourceChange?.LogicalResourceId}`,
      ),
    ).toEqual(["Add:Provider", "Add:DeployRole"]);
    await client.send(new ExecuteChangeSetCommand({ ChangeSetName: first.Id! }));
    await waitUntilStackCreateComplete({ client, ...FAST }, { StackName: name });

    // Modify the trust (another repository) and add an inline policy resource.
    const policy = `  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref DeployRole]
      PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:GetObject", Resource: "*" }] }
`;
    const second = await client.send(
      new CreateChangeSetCommand({
        StackName: name,
        ChangeSetName: "update-1",
        TemplateBody: providerAndRole({
          roleName: "cs-role",
          workspace: "cs",
          repo: "{00000000-0000-4000-8000-000000000000}",
          extra: policy,
        }),
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    await waitUntilChangeSetCreateComplete(
      { client, ...FAST },
      { ChangeSetName: "update-1", StackName: name },
    );
    const changes = (await client.send(new DescribeChangeSetCommand({ ChangeSetName: second.Id! })))
      .Changes!;
    expect(changes.map((c) => c.ResourceChange)).toMatchObject([
      {
        Action: "Modify",
        LogicalResourceId: "DeployRole",
        PhysicalResourceId: "cs-role",
        Replacement: "False",
        Scope: ["Properties"],
        Details: [
          {
            Target: {
              Attribute: "Properties",
              Name: "AssumeRolePolicyDocument",
              RequiresRecreation: "Never",
            },
          },
        ],
      },
      { Action: "Add", LogicalResourceId: "Extra", ResourceType: "AWS::IAM::Policy" },
    ]);
    await client.send(new ExecuteChangeSetCommand({ ChangeSetName: second.Id! }));
    await waitUntilStackUpdateComplete({ client, ...FAST }, { StackName: name });
    expect(await statusOf(name)).toBe("UPDATE_COMPLETE");
    const role = (await iamClient.send(new GetRoleCommand({ RoleName: "cs-role" }))).Role!;
    expect(decodeURIComponent(role.AssumeRolePolicyDocument!)).toContain(
      "{00000000-0000-4000-8000-000000000000}:*",
    );
    const inline = await iamClient.send(
      new GetRolePolicyCommand({ RoleName: "cs-role", PolicyName: "extra" }),
    );
    expect(inline.PolicyName).toBe("extra");

    // Same template again: the change set fails with AWS's wording, UpdateStack says no updates.
    await client.send(
      new CreateChangeSetCommand({
        StackName: name,
        ChangeSetName: "noop",
        UsePreviousTemplate: true,
        Parameters: [
          { ParameterKey: "Audience", UsePreviousValue: true },
          { ParameterKey: "Secret", UsePreviousValue: true },
        ],
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    await expect(
      waitUntilChangeSetCreateComplete(
        { client, ...FAST },
        { ChangeSetName: "noop", StackName: name },
      ),
    ).rejects.toThrow();
    const noop = await client.send(
      new DescribeChangeSetCommand({ ChangeSetName: "noop", StackName: name }),
    );
    expect(noop.Status).toBe("FAILED");
    expect(noop.StatusReason).toBe(
      "The submitted information didn't contain changes. Submit different information to create a change set.",
    );
    const none = await failure(
      client.send(
        new UpdateStackCommand({
          StackName: name,
          UsePreviousTemplate: true,
          Capabilities: ["CAPABILITY_NAMED_IAM"],
        }),
      ),
    );
    expect(none).toMatchObject({
      name: "ValidationError",
      message: "No updates are to be performed.",
    });
  });

  test("a failed update rolls back to UPDATE_ROLLBACK_COMPLETE and restores the role", async () => {
    const name = "rb-stack";
    await client.send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: providerAndRole({ roleName: "rb-role", workspace: "rb" }),
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    await waitUntilStackCreateComplete({ client, ...FAST }, { StackName: name });
    const before = (await iamClient.send(new GetRoleCommand({ RoleName: "rb-role" }))).Role!
      .AssumeRolePolicyDocument;
    const body = providerAndRole({
      roleName: "rb-role",
      workspace: "rb",
      repo: "{11111111-0000-4000-8000-000000000000}",
      extra: "  Queue:\n    Type: AWS::SQS::Queue\n    DependsOn: DeployRole\n",
    });
    await client.send(
      new UpdateStackCommand({
        StackName: name,
        TemplateBody: body,
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    expect(await statusOf(name)).toBe("UPDATE_IN_PROGRESS");
    // The update waiter reports UPDATE_ROLLBACK_COMPLETE as a failure, as against AWS.
    await expect(
      waitUntilStackUpdateComplete({ client, ...FAST }, { StackName: name }),
    ).rejects.toThrow();
    expect(await statusOf(name)).toBe("UPDATE_ROLLBACK_COMPLETE");
    const after = (await iamClient.send(new GetRoleCommand({ RoleName: "rb-role" }))).Role!
      .AssumeRolePolicyDocument;
    expect(after).toBe(before);
    const statuses = (await events(name)).map((e) => `${e.LogicalResourceId}:${e.ResourceStatus}`);
    expect(statuses).toContain("Queue:CREATE_FAILED");
    expect(statuses.slice(-1)).toEqual([`${name}:UPDATE_ROLLBACK_COMPLETE`]);
  });

  test("DeleteStack removes resources in reverse order and the IAM role", async () => {
    await client.send(new DeleteStackCommand({ StackName: "cs-stack" }));
    const id = (await client.send(new ListStacksCommand({}))).StackSummaries!.find(
      (s) => s.StackName === "cs-stack",
    )!.StackId!;
    await waitUntilStackDeleteComplete({ client, ...FAST }, { StackName: id });
    const deletes = (await events(id))
      .filter((e) => e.ResourceStatus === "DELETE_COMPLETE")
      .map((e) => e.LogicalResourceId);
    expect(deletes).toEqual(["Extra", "DeployRole", "Provider", "cs-stack"]);
    expect((await failure(iamClient.send(new GetRoleCommand({ RoleName: "cs-role" })))).name).toBe(
      "NoSuchEntityException",
    );
    // By name it is gone; by ID it is DELETE_COMPLETE.
    expect(
      (await failure(client.send(new DescribeStacksCommand({ StackName: "cs-stack" })))).name,
    ).toBe("ValidationError");
    expect(
      (await client.send(new DescribeStacksCommand({ StackName: id }))).Stacks![0]!.StackStatus,
    ).toBe("DELETE_COMPLETE");
    // Deleting a stack that does not exist succeeds, as in AWS.
    await client.send(new DeleteStackCommand({ StackName: "never-was" }));
    const roles = await iamClient.send(new ListRolesCommand({}));
    expect(roles.Roles?.map((r) => r.RoleName)).not.toContain("cs-role");
  });
});
