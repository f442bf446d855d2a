/**
 * The stored records of StackSets: sets, their instances and their operations, loaded from the
 * store and written through on every change. Lookups by name or ID, scoped by the caller's
 * account and region as in AWS.
 */
import type { Store } from "../../store/types.js";
import { stackSetNotFound } from "./errors.js";
import { INTERRUPTED_REASON } from "./interrupted.js";
import {
  CFN_COLLECTIONS,
  type StackInstanceRecord,
  type StackSetOperationRecord,
  type StackSetRecord,
} from "./records.js";

export const instanceKey = (setId: string, account: string, region: string): string =>
  `${setId}|${account}|${region}`;

export class StackSetRegistry {
  readonly sets = new Map<string, StackSetRecord>();
  readonly instances = new Map<string, StackInstanceRecord>();
  readonly operations = new Map<string, StackSetOperationRecord>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {
    for (const s of store.list<StackSetRecord>(CFN_COLLECTIONS.stackSets))
      this.sets.set(s.stackSetId, s);
    for (const i of store.list<StackInstanceRecord>(CFN_COLLECTIONS.instances)) {
      this.instances.set(instanceKey(i.stackSetId, i.account, i.region), i);
    }
    for (const o of store.list<StackSetOperationRecord>(CFN_COLLECTIONS.operations))
      this.operations.set(o.operationId, o);
  }

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

  instance(set: StackSetRecord, account: string, region: string): StackInstanceRecord | undefined {
    return this.instances.get(instanceKey(set.stackSetId, account, region));
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

  running(set: StackSetRecord): boolean {
    return this.operationsOf(set).some(
      (o) => o.status === "RUNNING" || o.status === "QUEUED" || o.status === "STOPPING",
    );
  }

  // ---- writes --------------------------------------------------------------------------------

  async saveSet(s: StackSetRecord): Promise<void> {
    this.sets.set(s.stackSetId, s);
    await this.store.put(CFN_COLLECTIONS.stackSets, s.stackSetId, s);
  }

  async deleteSet(s: StackSetRecord): Promise<void> {
    this.sets.delete(s.stackSetId);
    await this.store.delete(CFN_COLLECTIONS.stackSets, s.stackSetId);
  }

  async saveInstance(i: StackInstanceRecord): Promise<void> {
    const key = instanceKey(i.stackSetId, i.account, i.region);
    this.instances.set(key, i);
    await this.store.put(CFN_COLLECTIONS.instances, key, i);
  }

  async deleteInstance(i: StackInstanceRecord): Promise<void> {
    const key = instanceKey(i.stackSetId, i.account, i.region);
    this.instances.delete(key);
    await this.store.delete(CFN_COLLECTIONS.instances, key);
  }

  async saveOperation(o: StackSetOperationRecord): Promise<void> {
    this.operations.set(o.operationId, o);
    await this.store.put(CFN_COLLECTIONS.operations, o.operationId, o);
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
        endTime: this.now(),
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
