/** Query handlers for StackSets. */
import type { AwsBackend } from "../backend.js";
import type { ActionSpec } from "../service.js";
import { el } from "../xml.js";
import { account, action, type Ctx, pagedList, stateOf } from "./action-kit.js";
import { operationNotFound, stackInstanceNotFound, validationError } from "./errors.js";
import { deploymentTargets, operationPreferences, parameterInputs, tagInputs } from "./request.js";
import {
  instanceXml,
  operationResultXml,
  operationSummaryXml,
  operationXml,
  stackSetSummaryXml,
  stackSetXml,
} from "./shapes.js";
import type { StackSetInput, TargetsInput } from "./stacksets.js";
import { requestTemplate } from "./template-source.js";

function callAs(ctx: Ctx): void {
  const v = ctx.params.get("CallAs");
  if (v !== undefined && v !== "SELF") {
    throw validationError(
      "CallAs DELEGATED_ADMIN is not supported by the emulator; call as the management account (SELF).",
    );
  }
}

function setInput(ctx: Ctx): StackSetInput {
  const p = ctx.params;
  callAs(ctx);
  const input: StackSetInput = {
    account: account(ctx),
    region: ctx.region,
    stackSetName: p.required("StackSetName"),
    parameters: parameterInputs(p),
    capabilities: p.list("Capabilities") ?? [],
  };
  const body = requestTemplate(ctx);
  if (body !== undefined) input.templateBody = body;
  if (p.boolean("UsePreviousTemplate")) input.usePreviousTemplate = true;
  const d = p.get("Description");
  if (d !== undefined) input.description = d;
  const tags = tagInputs(p);
  if (tags) input.tags = tags;
  const model = p.get("PermissionModel");
  if (model !== undefined) {
    if (model !== "SELF_MANAGED" && model !== "SERVICE_MANAGED") {
      throw validationError("PermissionModel must be SELF_MANAGED or SERVICE_MANAGED");
    }
    input.permissionModel = model;
  }
  const admin = p.get("AdministrationRoleARN");
  if (admin !== undefined) input.administrationRoleArn = admin;
  const exec = p.get("ExecutionRoleName");
  if (exec !== undefined) input.executionRoleName = exec;
  const enabled = p.boolean("AutoDeployment.Enabled");
  if (enabled !== undefined) {
    input.autoDeployment = { enabled };
    const retain = p.boolean("AutoDeployment.RetainStacksOnAccountRemoval");
    if (retain !== undefined) input.autoDeployment.retainStacksOnAccountRemoval = retain;
  }
  return input;
}

function targetsInput(ctx: Ctx): TargetsInput {
  const p = ctx.params;
  const out: TargetsInput = { ...deploymentTargets(p), preferences: operationPreferences(p) };
  const regions = p.list("Regions");
  if (regions) out.regions = regions;
  const overrides =
    p.has("ParameterOverrides") || p.has("ParameterOverrides.member.1.ParameterKey")
      ? parameterInputs(p, "ParameterOverrides")
      : undefined;
  if (overrides) out.parameterOverrides = overrides;
  const id = p.get("OperationId");
  if (id !== undefined) out.operationId = id;
  const retain = p.boolean("RetainStacks");
  if (retain !== undefined) out.retainStacks = retain;
  return out;
}

export const stackSetActions: Record<string, ActionSpec<AwsBackend>> = {
  CreateStackSet: action(async (ctx) => {
    const set = await (await stateOf(ctx)).stackSets.create(setInput(ctx));
    return [el("StackSetId", set.stackSetId)];
  }),
  UpdateStackSet: action(async (ctx) => {
    const op = await (await stateOf(ctx)).stackSets.update(setInput(ctx), targetsInput(ctx));
    return [el("OperationId", op.operationId)];
  }),
  DeleteStackSet: action(async (ctx) => {
    callAs(ctx);
    await (await stateOf(ctx)).stackSets.delete(
      account(ctx),
      ctx.region,
      ctx.params.required("StackSetName"),
    );
    return [];
  }),
  DescribeStackSet: action(async (ctx) => {
    callAs(ctx);
    const set = (await stateOf(ctx)).stackSets.find(
      account(ctx),
      ctx.region,
      ctx.params.required("StackSetName"),
    );
    return [el("StackSet", stackSetXml(set))];
  }),
  ListStackSets: action(async (ctx) => {
    callAs(ctx);
    const status = ctx.params.get("Status");
    const sets = (await stateOf(ctx)).stackSets
      .list(account(ctx), ctx.region)
      .filter((s) => !status || s.status === status);
    return pagedList(ctx, "Summaries", sets, stackSetSummaryXml);
  }),
  CreateStackInstances: action((ctx) => instancesOperation(ctx, "create")),
  DeleteStackInstances: action((ctx) => instancesOperation(ctx, "delete")),
  ListStackInstances: action(async (ctx) => {
    callAs(ctx);
    const sets = (await stateOf(ctx)).stackSets;
    const set = sets.find(account(ctx), ctx.region, ctx.params.required("StackSetName"));
    const acct = ctx.params.get("StackInstanceAccount");
    const region = ctx.params.get("StackInstanceRegion");
    const filters = (ctx.params.structList("Filters") ?? []).map((f) => ({
      name: f.Name,
      value: f.Values,
    }));
    const list = sets
      .instancesOf(set)
      .filter(
        (i) =>
          (!acct || i.account === acct) &&
          (!region || i.region === region) &&
          filters.every((f) =>
            f.name === "DETAILED_STATUS"
              ? i.detailedStatus === f.value
              : f.name === "LAST_OPERATION_ID"
                ? i.lastOperationId === f.value
                : true,
          ),
      );
    const size = ctx.params.integer("MaxResults", "maxResults") ?? 100;
    return pagedList(ctx, "Summaries", list, (i) => instanceXml(i), size);
  }),
  DescribeStackInstance: action(async (ctx) => {
    callAs(ctx);
    const sets = (await stateOf(ctx)).stackSets;
    const set = sets.find(account(ctx), ctx.region, ctx.params.required("StackSetName"));
    const acct = ctx.params.required("StackInstanceAccount");
    const region = ctx.params.required("StackInstanceRegion");
    const inst = sets.instancesOf(set).find((i) => i.account === acct && i.region === region);
    if (!inst) throw stackInstanceNotFound(acct, region, set.stackSetName);
    return [el("StackInstance", instanceXml(inst, true))];
  }),
  DescribeStackSetOperation: action(async (ctx) => {
    callAs(ctx);
    const sets = (await stateOf(ctx)).stackSets;
    const set = sets.find(account(ctx), ctx.region, ctx.params.required("StackSetName"));
    const id = ctx.params.required("OperationId");
    const op = sets.operation(set, id);
    if (!op) throw operationNotFound(id);
    return [el("StackSetOperation", operationXml(op))];
  }),
  ListStackSetOperations: action(async (ctx) => {
    callAs(ctx);
    const sets = (await stateOf(ctx)).stackSets;
    const set = sets.find(account(ctx), ctx.region, ctx.params.required("StackSetName"));
    const size = ctx.params.integer("MaxResults", "maxResults") ?? 100;
    return pagedList(ctx, "Summaries", sets.operationsOf(set), operationSummaryXml, size);
  }),
  ListStackSetOperationResults: action(async (ctx) => {
    callAs(ctx);
    const sets = (await stateOf(ctx)).stackSets;
    const set = sets.find(account(ctx), ctx.region, ctx.params.required("StackSetName"));
    const id = ctx.params.required("OperationId");
    const op = sets.operation(set, id);
    if (!op) throw operationNotFound(id);
    const size = ctx.params.integer("MaxResults", "maxResults") ?? 100;
    return pagedList(ctx, "Summaries", op.results, operationResultXml, size);
  }),
};

/** Create/DeleteStackInstances: the same request shape, one operation ID back. */
async function instancesOperation(ctx: Ctx, verb: "create" | "delete") {
  callAs(ctx);
  const sets = (await stateOf(ctx)).stackSets;
  const args = [
    account(ctx),
    ctx.region,
    ctx.params.required("StackSetName"),
    targetsInput(ctx),
  ] as const;
  const op =
    verb === "create" ? await sets.createInstances(...args) : await sets.deleteInstances(...args);
  return [el("OperationId", op.operationId)];
}
