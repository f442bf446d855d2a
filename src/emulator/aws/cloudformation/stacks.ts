/**
 * The request half of stack operations: checks done before answering (names, template,
 * parameters, capabilities, states), then the background run is started and the call returns,
 * as CloudFormation answers CreateStack at once and works on.
 */

import { planChanges } from "./changes.js";
import {
  alreadyExists,
  changeSetNotFound,
  insufficientCapabilities,
  invalidChangeSetStatus,
  validationError,
} from "./errors.js";
import { changeSetArn, NAME_PATTERN, stackArn } from "./ids.js";
import type { ChangeSetRecord, StackRecord, TagRecord } from "./records.js";
import { sameJson } from "./resources/types.js";
import {
  applySettings,
  computeOutputs,
  type Deployment,
  runCreate,
  runDelete,
  runUpdate,
} from "./runner.js";
import type { CloudFormationState } from "./state.js";
import {
  missingCapabilities,
  type PreparedTemplate,
  parseTemplateBody,
  prepareTemplate,
} from "./template.js";

export interface ParameterInput {
  key: string;
  value?: string;
  usePreviousValue?: boolean;
}

export interface StackInput {
  account: string;
  region: string;
  stackName: string;
  templateBody?: string;
  usePreviousTemplate?: boolean;
  parameters: ParameterInput[];
  capabilities: string[];
  tags?: TagRecord[];
  onFailure?: "ROLLBACK" | "DELETE" | "DO_NOTHING";
  disableRollback?: boolean;
  roleArn?: string;
  notificationArns?: string[];
  timeoutInMinutes?: number;
  clientRequestToken?: string;
  enableTerminationProtection?: boolean;
  description?: string;
}

export interface ChangeSetInput extends StackInput {
  changeSetName: string;
  changeSetType?: "CREATE" | "UPDATE";
}

const UPDATABLE = new Set([
  "CREATE_COMPLETE",
  "UPDATE_COMPLETE",
  "UPDATE_ROLLBACK_COMPLETE",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_COMPLETE",
]);

function checkName(name: string, member: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw validationError(
      `1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
    );
  }
}

function given(
  inputs: ParameterInput[],
  previous: StackRecord | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of inputs) {
    if (p.usePreviousValue) {
      const prior = previous?.parameters.find((x) => x.key === p.key);
      if (!prior) {
        throw validationError(
          previous
            ? `Invalid input for parameter key ${p.key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`
            : `Invalid input for parameter key ${p.key}. Cannot specify usePreviousValue as true for non-existing stack`,
        );
      }
      out[p.key] = prior.value;
    } else {
      out[p.key] = p.value ?? "";
    }
  }
  return out;
}

function templateOf(input: StackInput, previous: StackRecord | undefined): string {
  if (input.usePreviousTemplate) {
    if (!previous || previous.status === "REVIEW_IN_PROGRESS") {
      throw validationError("UsePreviousTemplate can only be used for an existing stack.");
    }
    return previous.templateBody;
  }
  if (input.templateBody === undefined)
    throw validationError("Either Template URL or Template Body must be specified.");
  return input.templateBody;
}

function prepare(
  state: CloudFormationState,
  input: StackInput,
  stackId: string,
  body: string,
  previous: StackRecord | undefined,
): PreparedTemplate {
  const prepared = prepareTemplate(parseTemplateBody(body), {
    account: input.account,
    region: input.region,
    stackName: input.stackName.startsWith("arn:") ? previous!.stackName : input.stackName,
    stackId,
    given: given(input.parameters, previous),
    exports: state.exportsOf(input.account, input.region),
  });
  const missing = missingCapabilities(prepared.requiredCapabilities, input.capabilities);
  if (missing.length > 0) throw insufficientCapabilities(missing);
  return prepared;
}

function deployment(input: StackInput, body: string, prepared: PreparedTemplate): Deployment {
  const d: Deployment = {
    templateBody: body,
    prepared,
    parameterValues: Object.fromEntries(prepared.parameters.map((p) => [p.key, p.value])),
    parameters: prepared.parameters,
    capabilities: input.capabilities,
    onFailure: input.onFailure ?? (input.disableRollback ? "DO_NOTHING" : "ROLLBACK"),
  };
  if (input.clientRequestToken !== undefined) d.clientRequestToken = input.clientRequestToken;
  return d;
}

function newStack(
  state: CloudFormationState,
  input: StackInput,
  stackId: string,
  status: string,
): StackRecord {
  const s: StackRecord = {
    stackId,
    stackName: input.stackName,
    account: input.account,
    region: input.region,
    status,
    creationTime: state.now(),
    templateBody: "",
    parameterValues: {},
    parameters: [],
    capabilities: input.capabilities,
    tags: input.tags ?? [],
    outputs: [],
    resources: [],
    disableRollback: input.onFailure === "DO_NOTHING" || input.disableRollback === true,
    notificationArns: input.notificationArns ?? [],
    enableTerminationProtection: input.enableTerminationProtection ?? false,
    idMap: {},
  };
  if (input.roleArn !== undefined) s.roleArn = input.roleArn;
  if (input.timeoutInMinutes !== undefined) s.timeoutInMinutes = input.timeoutInMinutes;
  return s;
}

export async function createStack(
  state: CloudFormationState,
  input: StackInput,
): Promise<StackRecord> {
  checkName(input.stackName, "stackName");
  const existing = state.findStack(input.account, input.region, input.stackName);
  if (existing) throw alreadyExists(`Stack [${input.stackName}] already exists`);
  const stackId = stackArn(input.region, input.account, input.stackName, state.uuid());
  const body = templateOf(input, undefined);
  const prepared = prepare(state, input, stackId, body, undefined);
  const d = deployment(input, body, prepared);
  const stack = newStack(state, input, stackId, "CREATE_IN_PROGRESS");
  applySettings(stack, d);
  await state.event(stack, null, "CREATE_IN_PROGRESS", {
    reason: "User Initiated",
    ...(input.clientRequestToken ? { clientRequestToken: input.clientRequestToken } : {}),
  });
  state.run(stackId, () => runCreate(state, stack, d));
  return stack;
}

function checkUpdatable(state: CloudFormationState, stack: StackRecord): void {
  if (!UPDATABLE.has(stack.status) || state.isBusy(stack.stackId)) {
    throw validationError(
      `Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`,
    );
  }
}

/** Whether a prepared template would change anything about a stack. */
function hasChanges(stack: StackRecord, prepared: PreparedTemplate, changes: unknown[]): boolean {
  if (changes.length > 0) return true;
  if (!sameJson(computeOutputs(prepared.resolved, stack.idMap), stack.outputs)) return true;
  if (!sameJson(prepared.parameters, stack.parameters)) return true;
  return (prepared.resolved.description ?? null) !== (stack.description ?? null);
}

export async function updateStack(
  state: CloudFormationState,
  input: StackInput,
): Promise<StackRecord> {
  const stack = state.requireStack(input.account, input.region, input.stackName);
  checkUpdatable(state, stack);
  const body = templateOf(input, stack);
  const prepared = prepare(
    state,
    { ...input, stackName: stack.stackName },
    stack.stackId,
    body,
    stack,
  );
  const changes = planChanges(stack.resources, prepared.resolved);
  if (!hasChanges(stack, prepared, changes))
    throw validationError("No updates are to be performed.");
  const d = deployment(input, body, prepared);
  if (input.tags) stack.tags = input.tags;
  await state.event(stack, null, "UPDATE_IN_PROGRESS", { reason: "User Initiated" });
  state.run(stack.stackId, () => runUpdate(state, stack, d, changes));
  return stack;
}

/** Deleting a stack that does not exist succeeds, as in CloudFormation. */
export async function deleteStack(
  state: CloudFormationState,
  account: string,
  region: string,
  nameOrId: string,
  retain: string[] = [],
): Promise<void> {
  const stack = state.findStack(account, region, nameOrId);
  if (!stack || stack.status === "DELETE_COMPLETE") return;
  if (stack.enableTerminationProtection) {
    throw validationError(
      `Stack [${stack.stackName}] cannot be deleted while TerminationProtection is enabled`,
    );
  }
  if (retain.length > 0 && stack.status !== "DELETE_FAILED") {
    throw validationError(
      "Invalid operation on stack: RetainResources may only be given for stacks in DELETE_FAILED state.",
    );
  }
  if (stack.status === "REVIEW_IN_PROGRESS") {
    // Nothing was ever created: the stack and its change sets just go.
    stack.deletionTime = state.now();
    await state.event(stack, null, "DELETE_COMPLETE");
    for (const cs of [...state.changeSets.values()])
      if (cs.stackId === stack.stackId) await state.deleteChangeSet(cs);
    return;
  }
  state.run(stack.stackId, () => runDelete(state, stack, retain));
}

// ---- change sets -------------------------------------------------------------------------------

export async function createChangeSet(
  state: CloudFormationState,
  input: ChangeSetInput,
): Promise<ChangeSetRecord> {
  checkName(input.changeSetName, "changeSetName");
  const type = input.changeSetType ?? "UPDATE";
  let existing = state.findStack(input.account, input.region, input.stackName);
  if (type === "CREATE") {
    checkName(input.stackName, "stackName");
    if (existing && existing.status !== "REVIEW_IN_PROGRESS") {
      throw validationError(
        `Stack [${input.stackName}] already exists and cannot be created again with the changeSet [${input.changeSetName}].`,
      );
    }
  } else {
    if (!existing || existing.status === "REVIEW_IN_PROGRESS") {
      throw validationError(`Stack [${input.stackName}] does not exist`);
    }
    checkUpdatable(state, existing);
  }
  if (existing) {
    for (const cs of state.changeSets.values()) {
      if (cs.stackId === existing.stackId && cs.changeSetName === input.changeSetName) {
        throw alreadyExists(`ChangeSet [${input.changeSetName}] already exists`);
      }
    }
  }
  const stackId =
    existing?.stackId ?? stackArn(input.region, input.account, input.stackName, state.uuid());
  const previous = type === "UPDATE" ? existing : undefined;
  const body = templateOf(input, previous);
  const prepared = prepare(state, input, stackId, body, previous);
  const changes =
    type === "CREATE"
      ? prepared.resolved.order.map((id) => ({
          action: "Add" as const,
          logicalId: id,
          type: prepared.resolved.resources[id]!.type,
          scope: [],
          details: [],
        }))
      : planChanges(existing!.resources, prepared.resolved);
  const empty = type === "UPDATE" && !hasChanges(existing!, prepared, changes);

  if (!existing) {
    existing = newStack(state, input, stackId, "REVIEW_IN_PROGRESS");
    await state.event(existing, null, "REVIEW_IN_PROGRESS", { reason: "User Initiated" });
  }
  const cs: ChangeSetRecord = {
    changeSetId: changeSetArn(input.region, input.account, input.changeSetName, state.uuid()),
    changeSetName: input.changeSetName,
    stackId,
    stackName: existing.stackName,
    account: input.account,
    region: input.region,
    changeSetType: type,
    status: "CREATE_PENDING",
    executionStatus: "UNAVAILABLE",
    creationTime: state.now(),
    templateBody: body,
    parameterValues: Object.fromEntries(prepared.parameters.map((p) => [p.key, p.value])),
    parameters: prepared.parameters,
    capabilities: input.capabilities,
    tags: input.tags ?? [],
    notificationArns: input.notificationArns ?? [],
    changes,
  };
  if (input.description !== undefined) cs.description = input.description;
  if (input.roleArn !== undefined) cs.roleArn = input.roleArn;
  if (input.onFailure !== undefined) cs.onStackFailure = input.onFailure;
  await state.saveChangeSet(cs);
  // Evaluated in the background, as AWS does: CREATE_PENDING → CREATE_IN_PROGRESS → result.
  state.track(
    (async () => {
      await state.pause();
      await state.saveChangeSet({ ...cs, status: "CREATE_IN_PROGRESS" });
      await state.pause();
      const current = state.changeSets.get(cs.changeSetId);
      if (!current) return;
      await state.saveChangeSet(
        empty
          ? {
              ...current,
              status: "FAILED",
              executionStatus: "UNAVAILABLE",
              statusReason:
                "The submitted information didn't contain changes. Submit different information to create a change set.",
            }
          : { ...current, status: "CREATE_COMPLETE", executionStatus: "AVAILABLE" },
      );
    })(),
  );
  return cs;
}

export function findChangeSet(
  state: CloudFormationState,
  account: string,
  region: string,
  nameOrId: string,
  stackName: string | undefined,
): ChangeSetRecord {
  if (nameOrId.startsWith("arn:")) {
    const cs = state.changeSets.get(nameOrId);
    if (cs && cs.account === account && cs.region === region) return cs;
    throw changeSetNotFound(nameOrId);
  }
  if (stackName === undefined) {
    throw validationError(
      "StackName must be specified if ChangeSetName is not specified as an ARN.",
    );
  }
  const stack = state.findStack(account, region, stackName);
  if (!stack) throw changeSetNotFound(nameOrId);
  for (const cs of state.changeSets.values()) {
    if (cs.stackId === stack.stackId && cs.changeSetName === nameOrId) return cs;
  }
  throw changeSetNotFound(nameOrId);
}

export async function executeChangeSet(
  state: CloudFormationState,
  cs: ChangeSetRecord,
  opts: { disableRollback?: boolean; clientRequestToken?: string },
): Promise<void> {
  if (cs.status !== "CREATE_COMPLETE" || cs.executionStatus !== "AVAILABLE") {
    throw invalidChangeSetStatus(
      `ChangeSet [${cs.changeSetId}] cannot be executed in its current status of [${cs.status}] (execution status [${cs.executionStatus}])`,
    );
  }
  const stack = state.stacks.get(cs.stackId);
  if (!stack || stack.status === "DELETE_COMPLETE")
    throw validationError(`Stack [${cs.stackName}] does not exist`);
  if (cs.changeSetType === "UPDATE") checkUpdatable(state, stack);
  else if (stack.status !== "REVIEW_IN_PROGRESS") {
    throw invalidChangeSetStatus(
      `ChangeSet [${cs.changeSetId}] cannot be executed: stack is in ${stack.status}`,
    );
  }
  const input: StackInput = {
    account: cs.account,
    region: cs.region,
    stackName: stack.stackName,
    templateBody: cs.templateBody,
    parameters: Object.entries(cs.parameterValues).map(([key, value]) => ({ key, value })),
    capabilities: cs.capabilities,
    onFailure: opts.disableRollback
      ? "DO_NOTHING"
      : ((cs.onStackFailure as StackInput["onFailure"]) ?? "ROLLBACK"),
  };
  if (opts.clientRequestToken !== undefined) input.clientRequestToken = opts.clientRequestToken;
  const prepared = prepare(
    state,
    input,
    stack.stackId,
    cs.templateBody,
    stack.status === "REVIEW_IN_PROGRESS" ? undefined : stack,
  );
  const d = deployment(input, cs.templateBody, prepared);
  // The stack may have changed since the change set was made: plan again from what is there.
  const changes =
    cs.changeSetType === "UPDATE" ? planChanges(stack.resources, prepared.resolved) : [];

  await state.saveChangeSet({ ...cs, executionStatus: "EXECUTE_IN_PROGRESS" });
  // Executing a change set makes the stack's other change sets stale; AWS deletes them.
  for (const other of [...state.changeSets.values()]) {
    if (other.stackId === stack.stackId && other.changeSetId !== cs.changeSetId)
      await state.deleteChangeSet(other);
  }
  stack.changeSetId = cs.changeSetId;
  if (cs.tags.length > 0) stack.tags = cs.tags;
  const finish = async () => {
    const now = state.changeSets.get(cs.changeSetId);
    if (!now) return;
    const ok = stack.status === "CREATE_COMPLETE" || stack.status === "UPDATE_COMPLETE";
    await state.saveChangeSet({
      ...now,
      executionStatus: ok ? "EXECUTE_COMPLETE" : "EXECUTE_FAILED",
    });
  };
  if (cs.changeSetType === "CREATE") {
    applySettings(stack, d);
    stack.disableRollback = d.onFailure === "DO_NOTHING";
    await state.event(stack, null, "CREATE_IN_PROGRESS", { reason: "User Initiated" });
    state.run(stack.stackId, async () => {
      await runCreate(state, stack, d);
      await finish();
    });
  } else {
    await state.event(stack, null, "UPDATE_IN_PROGRESS", { reason: "User Initiated" });
    state.run(stack.stackId, async () => {
      await runUpdate(state, stack, d, changes);
      await finish();
    });
  }
}
