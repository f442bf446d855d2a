/**
 * StackSets: one template deployed as a stack in many accounts × regions. Each stack instance is a
 * real stack in the target account's emulated CloudFormation (so its IAM resources exist there and
 * STS enforces them). This is the API the actions call; the records live in the registry
 * (stackset-registry.ts), targets are worked out in stackset-targets.ts, and operations run in
 * stackset-operations.ts over stack operations given to it.
 */
import type { Store } from "../../store/types.js";
import { AwsError } from "../errors.js";
import {
  nameAlreadyExists,
  operationInProgress,
  stackSetNotEmpty,
  validationError,
} from "./errors.js";
import { NAME_PATTERN } from "./ids.js";
import type { Organizations } from "./organizations.js";
import type {
  StackInstanceRecord,
  StackSetOperationRecord,
  StackSetRecord,
  TagRecord,
} from "./records.js";
import type { ParameterInput } from "./stacks.js";
import {
  type OperationEnv,
  type StackOperations,
  StackSetOperations,
} from "./stackset-operations.js";
import { StackSetRegistry } from "./stackset-registry.js";
import {
  checkRegions,
  type Target,
  type TargetsInput,
  targetAccounts,
  withOu,
} from "./stackset-targets.js";
import { missingCapabilities, parseTemplateBody, requiredCapabilities } from "./template.js";

export type { StackOperations } from "./stackset-operations.js";
export type { TargetsInput } from "./stackset-targets.js";

export interface StackSetInput {
  account: string;
  region: string;
  stackSetName: string;
  description?: string;
  templateBody?: string;
  usePreviousTemplate?: boolean;
  parameters: ParameterInput[];
  capabilities: string[];
  tags?: TagRecord[];
  permissionModel?: "SELF_MANAGED" | "SERVICE_MANAGED";
  administrationRoleArn?: string;
  executionRoleName?: string;
  autoDeployment?: { enabled: boolean; retainStacksOnAccountRemoval?: boolean };
}

export interface StackSetsEnv extends OperationEnv {
  store: Store;
  organizations: Organizations;
}

export class StackSets {
  readonly registry: StackSetRegistry;
  private readonly operations: StackSetOperations;
  private readonly organizations: Organizations;

  constructor(
    private readonly env: StackSetsEnv,
    stacks: StackOperations,
  ) {
    this.registry = new StackSetRegistry(env.store, () => env.now());
    this.organizations = env.organizations;
    this.operations = new StackSetOperations(this.registry, env, stacks);
  }

  // ---- lookup --------------------------------------------------------------------------------

  find(account: string, region: string, nameOrId: string): StackSetRecord {
    return this.registry.find(account, region, nameOrId);
  }

  list(account: string, region: string): StackSetRecord[] {
    return this.registry.list(account, region);
  }

  instancesOf(set: StackSetRecord): StackInstanceRecord[] {
    return this.registry.instancesOf(set);
  }

  operationsOf(set: StackSetRecord): StackSetOperationRecord[] {
    return this.registry.operationsOf(set);
  }

  operation(set: StackSetRecord, id: string): StackSetOperationRecord | undefined {
    return this.registry.operation(set, id);
  }

  recover(): Promise<void> {
    return this.registry.recover();
  }

  // ---- stack set lifecycle -------------------------------------------------------------------

  async create(input: StackSetInput): Promise<StackSetRecord> {
    checkName(input.stackSetName);
    for (const s of this.registry.list(input.account, input.region)) {
      if (s.stackSetName === input.stackSetName)
        throw nameAlreadyExists(`StackSet ${input.stackSetName} already exists`);
    }
    if (input.templateBody === undefined)
      throw validationError("Either TemplateBody or TemplateURL must be specified.");
    checkTemplate(input.templateBody, input.capabilities);
    const uuid = this.env.uuid();
    const set: StackSetRecord = {
      stackSetId: `${input.stackSetName}:${uuid}`,
      stackSetName: input.stackSetName,
      arn: `arn:aws:cloudformation:${input.region}:${input.account}:stackset/${input.stackSetName}:${uuid}`,
      account: input.account,
      region: input.region,
      status: "ACTIVE",
      templateBody: input.templateBody,
      parameterValues: plainParameters(input.parameters, {}),
      capabilities: input.capabilities,
      tags: input.tags ?? [],
      permissionModel: input.permissionModel ?? "SELF_MANAGED",
      organizationalUnitIds: [],
      regions: [],
    };
    if (input.description !== undefined) set.description = input.description;
    if (set.permissionModel === "SELF_MANAGED") {
      set.administrationRoleArn =
        input.administrationRoleArn ??
        `arn:aws:iam::${input.account}:role/AWSCloudFormationStackSetAdministrationRole`;
      set.executionRoleName = input.executionRoleName ?? "AWSCloudFormationStackSetExecutionRole";
    } else {
      set.autoDeployment = input.autoDeployment ?? { enabled: false };
    }
    await this.registry.saveSet(set);
    return set;
  }

  /** Updates the template/parameters, then every instance (or those named) in one operation. */
  async update(input: StackSetInput, targets: TargetsInput): Promise<StackSetOperationRecord> {
    const set = this.registry.find(input.account, input.region, input.stackSetName);
    this.operations.checkIdle(set, targets.operationId);
    const body = input.usePreviousTemplate ? set.templateBody : input.templateBody;
    if (body === undefined)
      throw validationError(
        "Either TemplateBody, TemplateURL or UsePreviousTemplate must be specified.",
      );
    checkTemplate(body, input.capabilities);
    const next: StackSetRecord = {
      ...set,
      templateBody: body,
      parameterValues: plainParameters(input.parameters, set.parameterValues),
      capabilities: input.capabilities,
    };
    if (input.description !== undefined) next.description = input.description;
    if (input.tags) next.tags = input.tags;
    if (input.administrationRoleArn) next.administrationRoleArn = input.administrationRoleArn;
    if (input.executionRoleName) next.executionRoleName = input.executionRoleName;
    await this.registry.saveSet(next);
    let chosen = this.registry.instancesOf(next);
    if (targets.accounts || targets.organizationalUnitIds || targets.regions) {
      const wanted =
        targets.accounts || targets.organizationalUnitIds
          ? new Set(targetAccounts(this.organizations, next, targets).map((a) => a.account))
          : undefined;
      chosen = chosen.filter(
        (i) =>
          (!wanted || wanted.has(i.account)) &&
          (!targets.regions || targets.regions.includes(i.region)),
      );
    }
    return this.operations.start(
      next,
      "UPDATE",
      chosen.map((i) => withOu({ account: i.account, region: i.region }, i.organizationalUnitId)),
      targets,
    );
  }

  async delete(account: string, region: string, name: string): Promise<void> {
    const set = this.registry.find(account, region, name);
    if (this.registry.running(set)) throw operationInProgress(set.stackSetName);
    if (this.registry.instancesOf(set).length > 0) throw stackSetNotEmpty(set.stackSetName);
    await this.registry.deleteSet(set);
  }

  async createInstances(
    account: string,
    region: string,
    name: string,
    targets: TargetsInput,
  ): Promise<StackSetOperationRecord> {
    const set = this.registry.find(account, region, name);
    this.operations.checkIdle(set, targets.operationId);
    const regions = checkRegions(targets.regions);
    const accounts = targetAccounts(this.organizations, set, targets);
    const list: Target[] = [];
    for (const r of regions)
      for (const a of accounts) list.push(withOu({ account: a.account, region: r }, a.ou));
    // Parameter overrides are validated when each stack is made; they are stored per instance.
    const overrides = plainParameters(targets.parameterOverrides ?? [], {});
    for (const t of list) {
      const prior = this.registry.instance(set, t.account, t.region);
      const inst: StackInstanceRecord = {
        ...(prior ?? {}),
        stackSetId: set.stackSetId,
        account: t.account,
        region: t.region,
        status: "OUTDATED",
        detailedStatus: "PENDING",
        parameterOverrides: { ...(prior?.parameterOverrides ?? {}), ...overrides },
      };
      delete inst.statusReason;
      if (t.ou) inst.organizationalUnitId = t.ou;
      await this.registry.saveInstance(inst);
    }
    const next = {
      ...set,
      regions: [...new Set([...set.regions, ...regions])],
      organizationalUnitIds: [
        ...new Set([...set.organizationalUnitIds, ...(targets.organizationalUnitIds ?? [])]),
      ],
    };
    await this.registry.saveSet(next);
    return this.operations.start(next, "CREATE", list, targets);
  }

  async deleteInstances(
    account: string,
    region: string,
    name: string,
    targets: TargetsInput,
  ): Promise<StackSetOperationRecord> {
    const set = this.registry.find(account, region, name);
    this.operations.checkIdle(set, targets.operationId);
    if (targets.retainStacks === undefined)
      throw validationError("RetainStacks must be specified.");
    const regions = checkRegions(targets.regions);
    const accounts = new Set(
      targetAccounts(this.organizations, set, targets, { forDelete: true }).map((a) => a.account),
    );
    const list = this.registry
      .instancesOf(set)
      .filter((i) => accounts.has(i.account) && regions.includes(i.region))
      .map((i) => withOu({ account: i.account, region: i.region }, i.organizationalUnitId));
    return this.operations.start(set, "DELETE", list, targets);
  }
}

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw validationError(
      `1 validation error detected: Value '${name}' at 'stackSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
    );
  }
}

/** Templates are checked once for the set (syntax and capabilities), per account when deployed. */
function checkTemplate(body: string, capabilities: string[]): void {
  const parsed = parseTemplateBody(body);
  const needed = requiredCapabilities(
    Object.values(parsed.template.Resources).map((r) => ({
      type: r.Type,
      properties: r.Properties ?? {},
    })),
  ).required;
  const missing = missingCapabilities(needed, capabilities);
  if (missing.length > 0) {
    throw new AwsError(
      "InsufficientCapabilitiesException",
      400,
      `Requires capabilities : [${missing.join(", ")}]`,
    );
  }
}

function plainParameters(
  inputs: ParameterInput[],
  previous: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of inputs) {
    if (p.usePreviousValue) {
      if (!(p.key in previous))
        throw validationError(`Invalid input for parameter key ${p.key}: no previous value`);
      out[p.key] = previous[p.key]!;
    } else out[p.key] = p.value ?? "";
  }
  return out;
}
