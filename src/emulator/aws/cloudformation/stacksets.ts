/**
 * StackSets: one template deployed as a stack in many accounts × regions. Each stack instance is a
 * real stack in the target account's emulated CloudFormation (so its IAM resources exist there and
 * STS enforces them). Operations honour OperationPreferences the way AWS documents them.
 */
import { AwsError } from "../errors.js";
import {
  nameAlreadyExists,
  operationIdAlreadyExists,
  operationInProgress,
  stackSetNotEmpty,
  stackSetNotFound,
  validationError,
} from "./errors.js";
import { NAME_PATTERN, REGION_PATTERN } from "./ids.js";
import {
  CFN_COLLECTIONS,
  type OperationPreferencesRecord,
  type OperationResultRecord,
  type StackInstanceRecord,
  type StackRecord,
  type StackSetOperationRecord,
  type StackSetRecord,
  type TagRecord,
} from "./records.js";
import { createStack, deleteStack, type ParameterInput, updateStack } from "./stacks.js";
import type { CloudFormationState } from "./state.js";
import { INTERRUPTED_REASON } from "./state.js";
import { missingCapabilities, parseTemplateBody, requiredCapabilities } from "./template.js";

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

export interface TargetsInput {
  accounts?: string[];
  organizationalUnitIds?: string[];
  accountFilterType?: string;
  regions?: string[];
  parameterOverrides?: ParameterInput[];
  preferences: OperationPreferencesRecord;
  operationId?: string;
  retainStacks?: boolean;
}

interface Target {
  account: string;
  region: string;
  ou?: string;
}

const instanceKey = (setId: string, account: string, region: string) =>
  `${setId}|${account}|${region}`;

export class StackSets {
  readonly sets = new Map<string, StackSetRecord>();
  readonly instances = new Map<string, StackInstanceRecord>();
  readonly operations = new Map<string, StackSetOperationRecord>();

  constructor(private readonly state: CloudFormationState) {
    const store = state.backend.store;
    for (const s of store.list<StackSetRecord>(CFN_COLLECTIONS.stackSets))
      this.sets.set(s.stackSetId, s);
    for (const i of store.list<StackInstanceRecord>(CFN_COLLECTIONS.instances)) {
      this.instances.set(instanceKey(i.stackSetId, i.account, i.region), i);
    }
    for (const o of store.list<StackSetOperationRecord>(CFN_COLLECTIONS.operations))
      this.operations.set(o.operationId, o);
  }

  // ---- lookup --------------------------------------------------------------------------------

  find(account: string, region: string, nameOrId: string): StackSetRecord {
    for (const s of this.sets.values()) {
      if (
        s.account === account &&
        s.region === region &&
        (s.stackSetName === nameOrId || s.stackSetId === nameOrId)
      ) {
        return s;
      }
    }
    throw stackSetNotFound(nameOrId);
  }

  list(account: string, region: string): StackSetRecord[] {
    return [...this.sets.values()].filter((s) => s.account === account && s.region === region);
  }

  instancesOf(set: StackSetRecord): StackInstanceRecord[] {
    return [...this.instances.values()].filter((i) => i.stackSetId === set.stackSetId);
  }

  operationsOf(set: StackSetRecord): StackSetOperationRecord[] {
    return [...this.operations.values()]
      .filter((o) => o.stackSetId === set.stackSetId)
      .sort((a, b) => b.creationTime - a.creationTime);
  }

  operation(set: StackSetRecord, id: string): StackSetOperationRecord | undefined {
    const o = this.operations.get(id);
    return o && o.stackSetId === set.stackSetId ? o : undefined;
  }

  // ---- stack set lifecycle -------------------------------------------------------------------

  async create(input: StackSetInput): Promise<StackSetRecord> {
    checkName(input.stackSetName);
    for (const s of this.list(input.account, input.region)) {
      if (s.stackSetName === input.stackSetName)
        throw nameAlreadyExists(`StackSet ${input.stackSetName} already exists`);
    }
    if (input.templateBody === undefined)
      throw validationError("Either TemplateBody or TemplateURL must be specified.");
    checkTemplate(input.templateBody, input.capabilities);
    const uuid = this.state.uuid();
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
    await this.saveSet(set);
    return set;
  }

  /** Updates the template/parameters, then every instance (or those named) in one operation. */
  async update(input: StackSetInput, targets: TargetsInput): Promise<StackSetOperationRecord> {
    const set = this.find(input.account, input.region, input.stackSetName);
    this.checkIdle(set, targets.operationId);
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
    await this.saveSet(next);
    let chosen = this.instancesOf(next);
    if (targets.accounts || targets.organizationalUnitIds || targets.regions) {
      const wanted =
        targets.accounts || targets.organizationalUnitIds
          ? new Set(this.targetAccounts(next, targets).map((a) => a.account))
          : undefined;
      chosen = chosen.filter(
        (i) =>
          (!wanted || wanted.has(i.account)) &&
          (!targets.regions || targets.regions.includes(i.region)),
      );
    }
    return this.start(
      next,
      "UPDATE",
      chosen.map((i) => withOu({ account: i.account, region: i.region }, i.organizationalUnitId)),
      targets,
    );
  }

  async delete(account: string, region: string, name: string): Promise<void> {
    const set = this.find(account, region, name);
    if (this.running(set)) throw operationInProgress(set.stackSetName);
    if (this.instancesOf(set).length > 0) throw stackSetNotEmpty(set.stackSetName);
    this.sets.delete(set.stackSetId);
    await this.state.backend.store.delete(CFN_COLLECTIONS.stackSets, set.stackSetId);
  }

  async createInstances(
    account: string,
    region: string,
    name: string,
    targets: TargetsInput,
  ): Promise<StackSetOperationRecord> {
    const set = this.find(account, region, name);
    this.checkIdle(set, targets.operationId);
    const regions = checkRegions(targets.regions);
    const accounts = this.targetAccounts(set, targets);
    const list: Target[] = [];
    for (const r of regions)
      for (const a of accounts) list.push(withOu({ account: a.account, region: r }, a.ou));
    // Parameter overrides are validated when each stack is made; they are stored per instance.
    const overrides = plainParameters(targets.parameterOverrides ?? [], {});
    for (const t of list) {
      const key = instanceKey(set.stackSetId, t.account, t.region);
      const prior = this.instances.get(key);
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
      await this.saveInstance(inst);
    }
    const next = {
      ...set,
      regions: [...new Set([...set.regions, ...regions])],
      organizationalUnitIds: [
        ...new Set([...set.organizationalUnitIds, ...(targets.organizationalUnitIds ?? [])]),
      ],
    };
    await this.saveSet(next);
    return this.start(next, "CREATE", list, targets);
  }

  async deleteInstances(
    account: string,
    region: string,
    name: string,
    targets: TargetsInput,
  ): Promise<StackSetOperationRecord> {
    const set = this.find(account, region, name);
    this.checkIdle(set, targets.operationId);
    if (targets.retainStacks === undefined)
      throw validationError("RetainStacks must be specified.");
    const regions = checkRegions(targets.regions);
    const accounts = new Set(
      this.targetAccounts(set, targets, { forDelete: true }).map((a) => a.account),
    );
    const list = this.instancesOf(set)
      .filter((i) => accounts.has(i.account) && regions.includes(i.region))
      .map((i) => withOu({ account: i.account, region: i.region }, i.organizationalUnitId));
    return this.start(set, "DELETE", list, targets);
  }

  // ---- targets -------------------------------------------------------------------------------

  /**
   * Accounts an operation targets. Self-managed: the accounts given. Service-managed: the accounts
   * of the OUs (the emulator's organizations map), filtered by AccountFilterType; the management
   * account itself is never a target, as in AWS.
   */
  private targetAccounts(
    set: StackSetRecord,
    t: TargetsInput,
    opts: { forDelete?: boolean } = {},
  ): Array<{ account: string; ou?: string }> {
    const accounts = t.accounts ?? [];
    for (const a of accounts) {
      if (!/^\d{12}$/.test(a)) {
        throw validationError(
          `1 validation error detected: Value '${a}' at 'accounts' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9]{12}$`,
        );
      }
    }
    if (set.permissionModel === "SELF_MANAGED") {
      if (t.organizationalUnitIds && t.organizationalUnitIds.length > 0) {
        throw validationError(
          "OrganizationalUnitIds are supported only by StackSets with SERVICE_MANAGED permission model",
        );
      }
      if (accounts.length === 0)
        throw validationError(
          "Accounts must be specified for a StackSet with SELF_MANAGED permission model",
        );
      return [...new Set(accounts)].map((account) => ({ account }));
    }
    const ous = t.organizationalUnitIds ?? [];
    if (ous.length === 0) {
      if (opts.forDelete && accounts.length > 0) return accounts.map((account) => ({ account }));
      throw validationError(
        "DeploymentTargets.OrganizationalUnitIds must be specified for a StackSet with SERVICE_MANAGED permission model",
      );
    }
    const fromOus = new Map<string, string>();
    for (const ou of ous)
      for (const a of this.state.organizations.accountsOf(ou))
        if (!fromOus.has(a)) fromOus.set(a, ou);
    const filter = t.accountFilterType ?? "NONE";
    let chosen: Array<{ account: string; ou?: string }>;
    switch (filter) {
      case "NONE":
        chosen = [...fromOus].map(([account, ou]) => ({ account, ou }));
        break;
      case "INTERSECTION":
        chosen = [...fromOus]
          .filter(([a]) => accounts.includes(a))
          .map(([account, ou]) => ({ account, ou }));
        break;
      case "DIFFERENCE":
        chosen = [...fromOus]
          .filter(([a]) => !accounts.includes(a))
          .map(([account, ou]) => ({ account, ou }));
        break;
      case "UNION":
        chosen = [
          ...[...fromOus].map(([account, ou]) => ({ account, ou })),
          ...accounts.filter((a) => !fromOus.has(a)).map((account) => ({ account })),
        ];
        break;
      default:
        throw validationError(
          `AccountFilterType must be one of NONE, INTERSECTION, DIFFERENCE, UNION (got ${filter})`,
        );
    }
    return chosen.filter((c) => c.account !== set.account);
  }

  // ---- operations ----------------------------------------------------------------------------

  private running(set: StackSetRecord): boolean {
    return this.operationsOf(set).some(
      (o) => o.status === "RUNNING" || o.status === "QUEUED" || o.status === "STOPPING",
    );
  }

  private checkIdle(set: StackSetRecord, operationId: string | undefined): void {
    if (operationId !== undefined && this.operations.has(operationId))
      throw operationIdAlreadyExists(operationId);
    if (this.running(set)) throw operationInProgress(set.stackSetName);
  }

  private async start(
    set: StackSetRecord,
    action: StackSetOperationRecord["action"],
    targets: Target[],
    input: TargetsInput,
  ): Promise<StackSetOperationRecord> {
    const prefs = checkPreferences(input.preferences);
    const op: StackSetOperationRecord = {
      operationId: input.operationId ?? this.state.uuid(),
      stackSetId: set.stackSetId,
      action,
      status: "RUNNING",
      preferences: prefs,
      creationTime: this.state.now(),
      results: targets.map((t) =>
        withOu({ account: t.account, region: t.region, status: "PENDING" as const }, t.ou),
      ),
    };
    if (action === "DELETE") op.retainStacks = input.retainStacks === true;
    if (set.administrationRoleArn) op.administrationRoleArn = set.administrationRoleArn;
    if (set.executionRoleName) op.executionRoleName = set.executionRoleName;
    const dt: NonNullable<StackSetOperationRecord["deploymentTargets"]> = {};
    if (input.accounts) dt.accounts = input.accounts;
    if (input.organizationalUnitIds) dt.organizationalUnitIds = input.organizationalUnitIds;
    if (input.accountFilterType) dt.accountFilterType = input.accountFilterType;
    if (Object.keys(dt).length > 0) op.deploymentTargets = dt;
    await this.saveOperation(op);
    for (const t of targets) {
      const inst = this.instances.get(instanceKey(set.stackSetId, t.account, t.region));
      if (inst)
        await this.saveInstance({
          ...inst,
          detailedStatus: "PENDING",
          lastOperationId: op.operationId,
        });
    }
    this.state.track(this.execute(set, op, targets));
    return op;
  }

  private async execute(
    set: StackSetRecord,
    op: StackSetOperationRecord,
    targets: Target[],
  ): Promise<void> {
    const regions = [...new Set(targets.map((t) => t.region))];
    const order = [
      ...(op.preferences.regionOrder ?? []).filter((r) => regions.includes(r)),
      ...regions.filter((r) => !(op.preferences.regionOrder ?? []).includes(r)),
    ];
    const byRegion = order.map((r) => targets.filter((t) => t.region === r));
    const exceeded: string[] = [];
    if (op.preferences.regionConcurrencyType === "PARALLEL") {
      const outcomes = await Promise.all(byRegion.map((ts) => this.runRegion(set, op, ts)));
      outcomes.forEach((o, i) => {
        if (o) exceeded.push(order[i]!);
      });
    } else {
      for (const [i, ts] of byRegion.entries()) {
        if (exceeded.length > 0) {
          for (const t of ts) await this.cancel(set, op, t);
          continue;
        }
        if (await this.runRegion(set, op, ts)) exceeded.push(order[i]!);
      }
    }
    const failed = op.results.filter((r) => r.status === "FAILED").length;
    const done: StackSetOperationRecord = {
      ...op,
      status: exceeded.length > 0 ? "FAILED" : "SUCCEEDED",
      endTime: this.state.now(),
    };
    if (exceeded.length > 0) {
      done.statusReason = `The operation exceeded the failure tolerance in ${exceeded.join(", ")} (${failed} stack instance${failed === 1 ? "" : "s"} failed).`;
    }
    Object.assign(op, done);
    await this.saveOperation(op);
  }

  /** One region's accounts with the operation's concurrency; true when tolerance was exceeded. */
  private runRegion(
    set: StackSetRecord,
    op: StackSetOperationRecord,
    targets: Target[],
  ): Promise<boolean> {
    const p = op.preferences;
    const n = targets.length;
    const tolerance =
      p.failureToleranceCount ??
      (p.failureTolerancePercentage !== undefined
        ? Math.floor((n * p.failureTolerancePercentage) / 100)
        : 0);
    const maxConcurrent =
      p.maxConcurrentCount ??
      (p.maxConcurrentPercentage !== undefined
        ? Math.max(1, Math.floor((n * p.maxConcurrentPercentage) / 100))
        : 1);
    const soft = p.concurrencyMode === "SOFT_FAILURE_TOLERANCE";
    let failures = 0;
    let next = 0;
    let active = 0;
    // STRICT (the default): never more in flight than could fail without exceeding the tolerance.
    const limit = () =>
      soft ? maxConcurrent : Math.max(1, Math.min(maxConcurrent, tolerance + 1 - failures));
    return new Promise<boolean>((resolve, reject) => {
      const pump = (): void => {
        const stop = failures > tolerance;
        while (!stop && active < limit() && next < n) {
          const t = targets[next++]!;
          active++;
          this.deployOne(set, op, t).then((ok) => {
            active--;
            if (!ok) failures++;
            pump();
          }, reject);
        }
        if (active === 0 && (next >= n || stop)) {
          const rest = targets.slice(next);
          next = n;
          (async () => {
            for (const t of rest) await this.cancel(set, op, t);
          })().then(() => resolve(stop), reject);
        }
      };
      pump();
    });
  }

  private async cancel(set: StackSetRecord, op: StackSetOperationRecord, t: Target): Promise<void> {
    const reason = "Cancelled since failure tolerance has exceeded";
    await this.result(op, t, "CANCELLED", reason);
    const inst = this.instances.get(instanceKey(set.stackSetId, t.account, t.region));
    if (inst)
      await this.saveInstance({
        ...inst,
        status: "OUTDATED",
        detailedStatus: "CANCELLED",
        statusReason: reason,
      });
  }

  private async result(
    op: StackSetOperationRecord,
    t: Target,
    status: OperationResultRecord["status"],
    reason?: string,
  ) {
    const r = op.results.find((x) => x.account === t.account && x.region === t.region);
    if (r) {
      r.status = status;
      if (reason !== undefined) r.statusReason = reason;
      else delete r.statusReason;
    }
    await this.saveOperation(op);
  }

  /** Deploys (or deletes) one instance; resolves true on success. */
  private async deployOne(
    set: StackSetRecord,
    op: StackSetOperationRecord,
    t: Target,
  ): Promise<boolean> {
    const key = instanceKey(set.stackSetId, t.account, t.region);
    let inst = this.instances.get(key);
    await this.result(op, t, "RUNNING");
    if (inst) {
      inst = { ...inst, detailedStatus: "RUNNING" };
      await this.saveInstance(inst);
    }
    const outcome = await this.apply(set, op, t, inst).catch((err: unknown) => ({
      ok: false,
      reason: err instanceof Error ? err.message : String(err),
    }));
    await this.result(
      op,
      t,
      outcome.ok ? "SUCCEEDED" : "FAILED",
      outcome.ok ? undefined : outcome.reason,
    );
    if (op.action === "DELETE" && outcome.ok) {
      this.instances.delete(key);
      await this.state.backend.store.delete(CFN_COLLECTIONS.instances, key);
      return true;
    }
    const current = this.instances.get(key);
    if (current) {
      const next: StackInstanceRecord = {
        ...current,
        status: outcome.ok ? "CURRENT" : "OUTDATED",
        detailedStatus: outcome.ok ? "SUCCEEDED" : "FAILED",
        lastOperationId: op.operationId,
      };
      if ("stackId" in outcome && outcome.stackId) next.stackId = outcome.stackId;
      if (outcome.ok) delete next.statusReason;
      else next.statusReason = outcome.reason;
      await this.saveInstance(next);
    }
    return outcome.ok;
  }

  private async apply(
    set: StackSetRecord,
    op: StackSetOperationRecord,
    t: Target,
    inst: StackInstanceRecord | undefined,
  ): Promise<{ ok: boolean; reason?: string; stackId?: string }> {
    const state = this.state;
    if (!state.backend.accounts.has(t.account)) {
      return {
        ok: false,
        reason: `Account ${t.account} is not an account of this emulator, so no stack could be made there. Start the emulator with it (accounts option) to deploy to it.`,
      };
    }
    const existing = inst?.stackId ? state.stacks.get(inst.stackId) : undefined;
    if (op.action === "DELETE") {
      if (op.retainStacks || !existing || existing.status === "DELETE_COMPLETE")
        return { ok: true };
      await deleteStack(state, t.account, t.region, existing.stackId);
      const after = await state.settled(existing.stackId);
      return after?.status === "DELETE_COMPLETE"
        ? { ok: true }
        : { ok: false, reason: stackFailure(state, existing, 0) };
    }
    const parameters = Object.entries({
      ...set.parameterValues,
      ...(inst?.parameterOverrides ?? {}),
    }).map(([key, value]) => ({
      key,
      value,
    }));
    const base = {
      account: t.account,
      region: t.region,
      parameters,
      capabilities: set.capabilities,
      templateBody: set.templateBody,
    };
    let stack: StackRecord;
    let mark: number;
    if (existing && existing.status !== "DELETE_COMPLETE") {
      if (["ROLLBACK_COMPLETE", "CREATE_FAILED", "ROLLBACK_FAILED"].includes(existing.status)) {
        // A failed first deployment leaves a stack that can only be deleted; start it afresh.
        await deleteStack(state, t.account, t.region, existing.stackId);
        await state.settled(existing.stackId);
        stack = await createStack(state, { ...base, stackName: existing.stackName });
      } else {
        mark = state.eventsOf(existing.stackId).length;
        try {
          stack = await updateStack(state, { ...base, stackName: existing.stackId });
        } catch (err) {
          if (err instanceof AwsError && err.message === "No updates are to be performed.")
            return { ok: true, stackId: existing.stackId };
          throw err;
        }
        const after = await state.settled(stack.stackId);
        return after?.status === "UPDATE_COMPLETE"
          ? { ok: true, stackId: stack.stackId }
          : { ok: false, reason: stackFailure(state, stack, mark), stackId: stack.stackId };
      }
    } else {
      stack = await createStack(state, {
        ...base,
        stackName: `StackSet-${set.stackSetName}-${state.uuid()}`.slice(0, 128),
      });
    }
    const after = await state.settled(stack.stackId);
    return after?.status === "CREATE_COMPLETE"
      ? { ok: true, stackId: stack.stackId }
      : { ok: false, reason: stackFailure(state, stack, 0), stackId: stack.stackId };
  }

  // ---- persistence ---------------------------------------------------------------------------

  private async saveSet(s: StackSetRecord): Promise<void> {
    this.sets.set(s.stackSetId, s);
    await this.state.backend.store.put(CFN_COLLECTIONS.stackSets, s.stackSetId, s);
  }

  private async saveInstance(i: StackInstanceRecord): Promise<void> {
    const key = instanceKey(i.stackSetId, i.account, i.region);
    this.instances.set(key, i);
    await this.state.backend.store.put(CFN_COLLECTIONS.instances, key, i);
  }

  private async saveOperation(o: StackSetOperationRecord): Promise<void> {
    this.operations.set(o.operationId, o);
    await this.state.backend.store.put(CFN_COLLECTIONS.operations, o.operationId, o);
  }

  /** Operations cut short by a restart are failed, with their unfinished instances. */
  async recover(): Promise<void> {
    for (const op of this.operations.values()) {
      if (op.status !== "RUNNING" && op.status !== "QUEUED" && op.status !== "STOPPING") continue;
      for (const r of op.results) {
        if (r.status === "PENDING" || r.status === "RUNNING") {
          r.status = "FAILED";
          r.statusReason = INTERRUPTED_REASON;
        }
      }
      Object.assign(op, {
        status: "FAILED",
        statusReason: INTERRUPTED_REASON,
        endTime: this.state.now(),
      });
      await this.saveOperation(op);
    }
    for (const i of this.instances.values()) {
      if (i.detailedStatus === "PENDING" || i.detailedStatus === "RUNNING") {
        await this.saveInstance({
          ...i,
          status: "OUTDATED",
          detailedStatus: "FAILED",
          statusReason: INTERRUPTED_REASON,
        });
      }
    }
  }
}

/** The instance's failure as StackSets reports it: the first failed resource of the run. */
function stackFailure(state: CloudFormationState, stack: StackRecord, from: number): string {
  const events = state.eventsOf(stack.stackId).slice(from);
  const e = events.find(
    (x) => x.status.endsWith("_FAILED") && x.logicalId !== stack.stackName && x.reason,
  );
  if (e)
    return `ResourceLogicalId:${e.logicalId}, ResourceType:${e.type}, ResourceStatusReason:${e.reason}.`;
  const s = state.stacks.get(stack.stackId);
  return `Stack ${stack.stackName} ended in ${s?.status ?? "an unknown state"}${s?.statusReason ? `: ${s.statusReason}` : ""}.`;
}

function withOu<T extends object>(
  value: T,
  ou: string | undefined,
): T & { organizationalUnitId?: string; ou?: string } {
  if (ou === undefined) return value;
  return { ...value, ou, organizationalUnitId: ou };
}

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw validationError(
      `1 validation error detected: Value '${name}' at 'stackSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
    );
  }
}

function checkRegions(regions: string[] | undefined): string[] {
  if (!regions || regions.length === 0) throw validationError("Regions must be specified.");
  for (const r of regions)
    if (!REGION_PATTERN.test(r)) throw validationError(`Region ${r} is not a valid region name.`);
  return [...new Set(regions)];
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

function checkPreferences(p: OperationPreferencesRecord): OperationPreferencesRecord {
  if (p.maxConcurrentCount !== undefined && p.maxConcurrentPercentage !== undefined) {
    throw validationError(
      "You can specify either MaxConcurrentCount or MaxConcurrentPercentage, but not both.",
    );
  }
  if (p.failureToleranceCount !== undefined && p.failureTolerancePercentage !== undefined) {
    throw validationError(
      "You can specify either FailureToleranceCount or FailureTolerancePercentage, but not both.",
    );
  }
  const pct = (v: number | undefined, name: string, min: number) => {
    if (v !== undefined && (v < min || v > 100))
      throw validationError(`${name} must be between ${min} and 100`);
  };
  pct(p.maxConcurrentPercentage, "MaxConcurrentPercentage", 1);
  pct(p.failureTolerancePercentage, "FailureTolerancePercentage", 0);
  if (p.maxConcurrentCount !== undefined && p.maxConcurrentCount < 1)
    throw validationError("MaxConcurrentCount must be at least 1");
  if (p.failureToleranceCount !== undefined && p.failureToleranceCount < 0) {
    throw validationError("FailureToleranceCount must be at least 0");
  }
  return p;
}
