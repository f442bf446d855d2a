/** Query handlers for stacks, change sets and templates. */
import type { AwsBackend } from "../backend.js";
import type { ActionSpec } from "../service.js";
import { el, memberList, text } from "../xml.js";
import { account, action, type Ctx, pagedList, stateOf } from "./action-kit.js";
import { invalidChangeSetStatus, validationError } from "./errors.js";
import type { ChangeSetRecord } from "./records.js";
import { parameterInputs, tagInputs } from "./request.js";
import {
  changeSetSummaryXml,
  changeSetXml,
  eventXml,
  resourceSummaryXml,
  stackResourceXml,
  stackSummaryXml,
  stackXml,
} from "./shapes.js";
import {
  type ChangeSetInput,
  createChangeSet,
  createStack,
  deleteStack,
  executeChangeSet,
  findChangeSet,
  type StackInput,
  updateStack,
} from "./stacks.js";
import type { CloudFormationState } from "./state.js";
import { parseTemplateBody, requiredCapabilities } from "./template.js";
import { requestTemplate } from "./template-source.js";

/** The change set a request names (by ARN, or by name with its StackName). */
function changeSetNamed(state: CloudFormationState, ctx: Ctx, name: string): ChangeSetRecord {
  return findChangeSet(state, account(ctx), ctx.region, name, ctx.params.get("StackName"));
}

function stackInput(ctx: Ctx): StackInput {
  const p = ctx.params;
  const input: StackInput = {
    account: account(ctx),
    region: ctx.region,
    stackName: p.required("StackName"),
    parameters: parameterInputs(p),
    capabilities: p.list("Capabilities") ?? [],
  };
  const body = requestTemplate(ctx);
  if (body !== undefined) input.templateBody = body;
  if (p.boolean("UsePreviousTemplate")) input.usePreviousTemplate = true;
  const tags = tagInputs(p);
  if (tags) input.tags = tags;
  const onFailure = p.get("OnFailure") ?? p.get("OnStackFailure");
  if (onFailure !== undefined) {
    if (onFailure !== "ROLLBACK" && onFailure !== "DELETE" && onFailure !== "DO_NOTHING") {
      throw validationError("OnFailure must be one of ROLLBACK, DELETE, DO_NOTHING");
    }
    input.onFailure = onFailure;
  }
  if (p.boolean("DisableRollback")) input.disableRollback = true;
  if (input.onFailure && input.disableRollback) {
    throw validationError("You can specify either DisableRollback or OnFailure, but not both.");
  }
  const role = p.get("RoleARN");
  if (role !== undefined) input.roleArn = role;
  const arns = p.list("NotificationARNs");
  if (arns) input.notificationArns = arns;
  const timeout = p.integer("TimeoutInMinutes", "timeoutInMinutes");
  if (timeout !== undefined) input.timeoutInMinutes = timeout;
  const token = p.get("ClientRequestToken");
  if (token !== undefined) input.clientRequestToken = token;
  if (p.boolean("EnableTerminationProtection")) input.enableTerminationProtection = true;
  const description = p.get("Description");
  if (description !== undefined) input.description = description;
  return input;
}

export const stackActions: Record<string, ActionSpec<AwsBackend>> = {
  CreateStack: action(async (ctx) => {
    const stack = await createStack(await stateOf(ctx), stackInput(ctx));
    return [el("StackId", stack.stackId)];
  }),
  UpdateStack: action(async (ctx) => {
    const stack = await updateStack(await stateOf(ctx), stackInput(ctx));
    return [el("StackId", stack.stackId)];
  }),
  DeleteStack: action(async (ctx) => {
    await deleteStack(
      await stateOf(ctx),
      account(ctx),
      ctx.region,
      ctx.params.required("StackName"),
      ctx.params.list("RetainResources") ?? [],
    );
    return null;
  }),
  DescribeStacks: action(async (ctx) => {
    const state = await stateOf(ctx);
    const name = ctx.params.get("StackName");
    const stacks = name
      ? [state.requireStack(account(ctx), ctx.region, name)]
      : state.stacksOf(account(ctx), ctx.region).filter((s) => s.status !== "DELETE_COMPLETE");
    return pagedList(ctx, "Stacks", stacks, stackXml);
  }),
  ListStacks: action(async (ctx) => {
    const state = await stateOf(ctx);
    const filter = ctx.params.list("StackStatusFilter");
    const stacks = state
      .stacksOf(account(ctx), ctx.region)
      .filter((s) => !filter || filter.length === 0 || filter.includes(s.status))
      .sort((a, b) => b.creationTime - a.creationTime);
    return pagedList(ctx, "StackSummaries", stacks, stackSummaryXml);
  }),
  DescribeStackEvents: action(async (ctx) => {
    const state = await stateOf(ctx);
    const stack = state.requireStack(account(ctx), ctx.region, ctx.params.required("StackName"));
    const events = [...state.eventsOf(stack.stackId)].reverse();
    return pagedList(ctx, "StackEvents", events, eventXml);
  }),
  DescribeStackResources: action(async (ctx) => {
    const state = await stateOf(ctx);
    const name = ctx.params.get("StackName");
    const physical = ctx.params.get("PhysicalResourceId");
    const logical = ctx.params.get("LogicalResourceId");
    let stack = name ? state.requireStack(account(ctx), ctx.region, name) : undefined;
    if (!stack && physical) {
      stack = state
        .stacksOf(account(ctx), ctx.region)
        .find(
          (s) =>
            s.status !== "DELETE_COMPLETE" && s.resources.some((r) => r.physicalId === physical),
        );
      if (!stack) throw validationError(`Stack for ${physical} does not exist`);
    }
    if (!stack) throw validationError("Either StackName or PhysicalResourceId must be specified.");
    const s = stack;
    const resources = s.resources.filter(
      (r) => (!logical || r.logicalId === logical) && (!physical || r.physicalId === physical),
    );
    return [
      memberList(
        "StackResources",
        resources.map((r) => stackResourceXml(s, r)),
      ),
    ];
  }),
  DescribeStackResource: action(async (ctx) => {
    const state = await stateOf(ctx);
    const stack = state.requireStack(account(ctx), ctx.region, ctx.params.required("StackName"));
    const id = ctx.params.required("LogicalResourceId");
    const r = stack.resources.find((x) => x.logicalId === id);
    if (!r) throw validationError(`Resource ${id} does not exist for stack ${stack.stackName}`);
    return [
      el(
        "StackResourceDetail",
        stackResourceXml(stack, r),
        el("LastUpdatedTimestamp", new Date(r.timestamp).toISOString()),
      ),
    ];
  }),
  ListStackResources: action(async (ctx) => {
    const state = await stateOf(ctx);
    const stack = state.requireStack(account(ctx), ctx.region, ctx.params.required("StackName"));
    return pagedList(ctx, "StackResourceSummaries", stack.resources, resourceSummaryXml);
  }),
  GetTemplate: action(async (ctx) => {
    const state = await stateOf(ctx);
    const csName = ctx.params.get("ChangeSetName");
    const body = csName
      ? changeSetNamed(state, ctx, csName).templateBody
      : state.requireStack(account(ctx), ctx.region, ctx.params.required("StackName")).templateBody;
    return [el("TemplateBody", body), memberList("StagesAvailable", ["Original", "Processed"])];
  }),
  ValidateTemplate: action(async (ctx) => {
    const body = requestTemplate(ctx);
    if (body === undefined)
      throw validationError("Either Template URL or Template Body must be specified.");
    const t = parseTemplateBody(body).template;
    return compact([
      templateParametersXml(t, false),
      text("Description", t.Description),
      ...capabilitiesXml(t),
      declaredTransformsXml(t),
    ]);
  }),

  GetTemplateSummary: action(async (ctx) => {
    const state = await stateOf(ctx);
    const stackName = ctx.params.get("StackName");
    const setName = ctx.params.get("StackSetName");
    const body = stackName
      ? state.requireStack(account(ctx), ctx.region, stackName).templateBody
      : setName
        ? state.stackSets.find(account(ctx), ctx.region, setName).templateBody
        : requestTemplate(ctx);
    if (body === undefined)
      throw validationError("Either Template URL or Template Body must be specified.");
    const t = parseTemplateBody(body).template;
    return compact([
      templateParametersXml(t, true),
      text("Description", t.Description),
      ...capabilitiesXml(t),
      memberList("ResourceTypes", [...new Set(Object.values(t.Resources).map((r) => r.Type))]),
      text("Version", t.AWSTemplateFormatVersion),
      declaredTransformsXml(t),
    ]);
  }),

  // ---- change sets ----
  CreateChangeSet: action(async (ctx) => {
    const p = ctx.params;
    const input: ChangeSetInput = {
      ...stackInput(ctx),
      changeSetName: p.required("ChangeSetName"),
    };
    const type = p.get("ChangeSetType");
    if (type !== undefined) {
      if (type === "IMPORT")
        throw validationError("ChangeSetType IMPORT is not supported by the emulator.");
      if (type !== "CREATE" && type !== "UPDATE")
        throw validationError("ChangeSetType must be CREATE, UPDATE or IMPORT");
      input.changeSetType = type;
    }
    const cs = await createChangeSet(await stateOf(ctx), input);
    return [el("Id", cs.changeSetId), el("StackId", cs.stackId)];
  }),
  DescribeChangeSet: action(async (ctx) => {
    const state = await stateOf(ctx);
    const cs = changeSetNamed(state, ctx, ctx.params.required("ChangeSetName"));
    return changeSetXml(cs);
  }),
  ListChangeSets: action(async (ctx) => {
    const state = await stateOf(ctx);
    const stack = state.requireStack(account(ctx), ctx.region, ctx.params.required("StackName"));
    const list = [...state.changeSets.values()].filter((c) => c.stackId === stack.stackId);
    return [memberList("Summaries", list.map(changeSetSummaryXml))];
  }),
  ExecuteChangeSet: action(async (ctx) => {
    const state = await stateOf(ctx);
    const cs = changeSetNamed(state, ctx, ctx.params.required("ChangeSetName"));
    const opts: { disableRollback?: boolean; clientRequestToken?: string } = {};
    if (ctx.params.boolean("DisableRollback")) opts.disableRollback = true;
    const token = ctx.params.get("ClientRequestToken");
    if (token !== undefined) opts.clientRequestToken = token;
    await executeChangeSet(state, cs, opts);
    return [];
  }),
  DeleteChangeSet: action(async (ctx) => {
    const state = await stateOf(ctx);
    const cs = changeSetNamed(state, ctx, ctx.params.required("ChangeSetName"));
    if (cs.executionStatus === "EXECUTE_IN_PROGRESS") {
      throw invalidChangeSetStatus(
        `ChangeSet [${cs.changeSetId}] cannot be deleted while it is being executed`,
      );
    }
    await state.deleteChangeSet(cs);
    return [];
  }),
};

type Template = ReturnType<typeof parseTemplateBody>["template"];
type Xml = ReturnType<typeof el>;

function compact(items: Array<Xml | undefined | false>): Xml[] {
  return items.filter((x): x is Xml => x !== undefined && x !== false);
}

/** The Parameters list ValidateTemplate and GetTemplateSummary share (the summary adds type and constraints). */
function templateParametersXml(t: Template, summary: boolean): Xml {
  return memberList(
    "Parameters",
    Object.entries(t.Parameters ?? {}).map(([k, p]) => [
      el("ParameterKey", k),
      text(
        "DefaultValue",
        p.Default === undefined
          ? undefined
          : Array.isArray(p.Default)
            ? p.Default.join(",")
            : String(p.Default),
      ),
      summary && el("ParameterType", p.Type),
      el("NoEcho", String(p.NoEcho === true || String(p.NoEcho).toLowerCase() === "true")),
      text("Description", p.Description),
      summary &&
        p.AllowedValues &&
        el("ParameterConstraints", memberList("AllowedValues", p.AllowedValues.map(String))),
    ]),
  );
}

function capabilitiesXml(t: Template): Xml[] {
  const caps = requiredCapabilities(
    Object.values(t.Resources).map((r) => ({ type: r.Type, properties: r.Properties ?? {} })),
  );
  if (caps.required.length === 0) return [];
  return [
    memberList("Capabilities", caps.required),
    el(
      "CapabilitiesReason",
      `The following resource(s) require capabilities: [${caps.reasonTypes.join(", ")}]`,
    ),
  ];
}

function declaredTransformsXml(t: Template): Xml {
  return memberList(
    "DeclaredTransforms",
    t.Transform === undefined ? [] : [t.Transform].flat().map(String),
  );
}
