/**
 * StackSet operations: one background run per operation over its targets, region by region, with
 * the concurrency and failure tolerance of OperationPreferences as AWS documents them. Each
 * instance is a real stack in the target account, made through the stack operations this class
 * is given (so StackSets and stacks do not import each other).
 */
import { AwsError } from "../errors.js";
import { operationIdAlreadyExists, operationInProgress, validationError } from "./errors.js";
import type {
  OperationPreferencesRecord,
  OperationResultRecord,
  StackEventRecord,
  StackInstanceRecord,
  StackRecord,
  StackSetOperationRecord,
  StackSetRecord,
} from "./records.js";
import type { ParameterInput } from "./stacks.js";
import type { StackSetRegistry } from "./stackset-registry.js";
import { type Target, type TargetsInput, withOu } from "./stackset-targets.js";

/** What an instance needs of stacks: create, update, delete, and waiting for the result. */
export interface StackOperations {
  create(input: InstanceStackInput): Promise<StackRecord>;
  /** Throws AWS's "No updates are to be performed." when nothing changes. */
  update(input: InstanceStackInput): Promise<StackRecord>;
  delete(account: string, region: string, stackId: string): Promise<void>;
  /** The stack once no operation runs on it. */
  settled(stackId: string): Promise<StackRecord | undefined>;
  stack(stackId: string): StackRecord | undefined;
  eventsOf(stackId: string): StackEventRecord[];
  hasAccount(account: string): boolean;
}

export interface InstanceStackInput {
  account: string;
  region: string;
  stackName: string;
  parameters: ParameterInput[];
  capabilities: string[];
  templateBody: string;
}

export interface OperationEnv {
  now(): number;
  uuid(): string;
  /** Runs background work the emulator waits for at shutdown. */
  track(p: Promise<unknown>): void;
}

type Outcome = { ok: boolean; reason?: string; stackId?: string };

export class StackSetOperations {
  constructor(
    private readonly registry: StackSetRegistry,
    private readonly env: OperationEnv,
    private readonly stacks: StackOperations,
  ) {}

  checkIdle(set: StackSetRecord, operationId: string | undefined): void {
    if (operationId !== undefined && this.registry.operations.has(operationId))
      throw operationIdAlreadyExists(operationId);
    if (this.registry.running(set)) throw operationInProgress(set.stackSetName);
  }

  /** Records the operation and runs it in the background; returns at once, as AWS does. */
  async start(
    set: StackSetRecord,
    action: StackSetOperationRecord["action"],
    targets: Target[],
    input: TargetsInput,
  ): Promise<StackSetOperationRecord> {
    const prefs = checkPreferences(input.preferences);
    const op: StackSetOperationRecord = {
      operationId: input.operationId ?? this.env.uuid(),
      stackSetId: set.stackSetId,
      action,
      status: "RUNNING",
      preferences: prefs,
      creationTime: this.env.now(),
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
    await this.registry.saveOperation(op);
    for (const t of targets) {
      const inst = this.registry.instance(set, t.account, t.region);
      if (inst)
        await this.registry.saveInstance({
          ...inst,
          detailedStatus: "PENDING",
          lastOperationId: op.operationId,
        });
    }
    this.env.track(this.execute(set, op, targets));
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
      endTime: this.env.now(),
    };
    if (exceeded.length > 0) {
      done.statusReason = `The operation exceeded the failure tolerance in ${exceeded.join(", ")} (${failed} stack instance${failed === 1 ? "" : "s"} failed).`;
    }
    Object.assign(op, done);
    await this.registry.saveOperation(op);
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
    const inst = this.registry.instance(set, t.account, t.region);
    if (inst)
      await this.registry.saveInstance({
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
    await this.registry.saveOperation(op);
  }

  /** Deploys (or deletes) one instance; resolves true on success. */
  private async deployOne(
    set: StackSetRecord,
    op: StackSetOperationRecord,
    t: Target,
  ): Promise<boolean> {
    let inst = this.registry.instance(set, t.account, t.region);
    await this.result(op, t, "RUNNING");
    if (inst) {
      inst = { ...inst, detailedStatus: "RUNNING" };
      await this.registry.saveInstance(inst);
    }
    const outcome = await this.apply(set, op, t, inst).catch(
      (err: unknown): Outcome => ({
        ok: false,
        reason: err instanceof Error ? err.message : String(err),
      }),
    );
    await this.result(
      op,
      t,
      outcome.ok ? "SUCCEEDED" : "FAILED",
      outcome.ok ? undefined : outcome.reason,
    );
    const current = this.registry.instance(set, t.account, t.region);
    if (op.action === "DELETE" && outcome.ok) {
      if (current) await this.registry.deleteInstance(current);
      return true;
    }
    if (current) {
      const next: StackInstanceRecord = {
        ...current,
        status: outcome.ok ? "CURRENT" : "OUTDATED",
        detailedStatus: outcome.ok ? "SUCCEEDED" : "FAILED",
        lastOperationId: op.operationId,
      };
      if (outcome.stackId) next.stackId = outcome.stackId;
      if (outcome.ok) delete next.statusReason;
      else next.statusReason = outcome.reason;
      await this.registry.saveInstance(next);
    }
    return outcome.ok;
  }

  private async apply(
    set: StackSetRecord,
    op: StackSetOperationRecord,
    t: Target,
    inst: StackInstanceRecord | undefined,
  ): Promise<Outcome> {
    const stacks = this.stacks;
    if (!stacks.hasAccount(t.account)) {
      return {
        ok: false,
        reason: `Account ${t.account} is not an account of this emulator, so no stack could be made there. Start the emulator with it (accounts option) to deploy to it.`,
      };
    }
    const existing = inst?.stackId ? stacks.stack(inst.stackId) : undefined;
    if (op.action === "DELETE") {
      if (op.retainStacks || !existing || existing.status === "DELETE_COMPLETE")
        return { ok: true };
      await stacks.delete(t.account, t.region, existing.stackId);
      const after = await stacks.settled(existing.stackId);
      return after?.status === "DELETE_COMPLETE"
        ? { ok: true }
        : { ok: false, reason: this.stackFailure(existing, 0) };
    }
    const parameters = Object.entries({
      ...set.parameterValues,
      ...(inst?.parameterOverrides ?? {}),
    }).map(([key, value]) => ({ key, value }));
    const base = {
      account: t.account,
      region: t.region,
      parameters,
      capabilities: set.capabilities,
      templateBody: set.templateBody,
    };
    let stack: StackRecord;
    if (existing && existing.status !== "DELETE_COMPLETE") {
      if (["ROLLBACK_COMPLETE", "CREATE_FAILED", "ROLLBACK_FAILED"].includes(existing.status)) {
        // A failed first deployment leaves a stack that can only be deleted; start it afresh.
        await stacks.delete(t.account, t.region, existing.stackId);
        await stacks.settled(existing.stackId);
        stack = await stacks.create({ ...base, stackName: existing.stackName });
      } else {
        const mark = stacks.eventsOf(existing.stackId).length;
        try {
          stack = await stacks.update({ ...base, stackName: existing.stackId });
        } catch (err) {
          if (err instanceof AwsError && err.message === "No updates are to be performed.")
            return { ok: true, stackId: existing.stackId };
          throw err;
        }
        const after = await stacks.settled(stack.stackId);
        return after?.status === "UPDATE_COMPLETE"
          ? { ok: true, stackId: stack.stackId }
          : { ok: false, reason: this.stackFailure(stack, mark), stackId: stack.stackId };
      }
    } else {
      stack = await stacks.create({
        ...base,
        stackName: `StackSet-${set.stackSetName}-${this.env.uuid()}`.slice(0, 128),
      });
    }
    const after = await stacks.settled(stack.stackId);
    return after?.status === "CREATE_COMPLETE"
      ? { ok: true, stackId: stack.stackId }
      : { ok: false, reason: this.stackFailure(stack, 0), stackId: stack.stackId };
  }

  /** The instance's failure as StackSets reports it: the first failed resource of the run. */
  private stackFailure(stack: StackRecord, from: number): string {
    const events = this.stacks.eventsOf(stack.stackId).slice(from);
    const e = events.find(
      (x) => x.status.endsWith("_FAILED") && x.logicalId !== stack.stackName && x.reason,
    );
    if (e)
      return `ResourceLogicalId:${e.logicalId}, ResourceType:${e.type}, ResourceStatusReason:${e.reason}.`;
    const s = this.stacks.stack(stack.stackId);
    return `Stack ${stack.stackName} ended in ${s?.status ?? "an unknown state"}${s?.statusReason ? `: ${s.statusReason}` : ""}.`;
  }
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
