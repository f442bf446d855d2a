import type { Store, StoreOp } from "../../store/types.js";
import type { AwsBackend } from "../backend.js";
import { stackNotFound } from "./errors.js";
import { sleep, uuidFrom } from "./ids.js";
import { INTERRUPTED_REASON } from "./interrupted.js";
import { Organizations } from "./organizations.js";
import {
  CFN_COLLECTIONS,
  type ChangeSetRecord,
  type StackEventRecord,
  type StackRecord,
  type StackResourceRecord,
} from "./records.js";
import type { StackSets } from "./stacksets.js";

/** How fast operations progress. Small, so waiters see intermediate states but finish quickly. */
export interface CloudFormationTiming {
  /** Pause between two steps of an operation (one resource transition). Default 15 ms. */
  stepDelayMs: number;
}

export const STACK_TYPE = "AWS::CloudFormation::Stack";
const IN_PROGRESS = /_IN_PROGRESS$/;

export { INTERRUPTED_REASON } from "./interrupted.js";

/**
 * CloudFormation's state for one emulator: an in-memory image of the stored records (this class
 * is their only writer), written through to the store on every change, plus the background
 * operations in flight. Stacks are per account and region, as in AWS.
 */
export class CloudFormationState {
  readonly backend: AwsBackend;
  readonly stacks = new Map<string, StackRecord>();
  readonly changeSets = new Map<string, ChangeSetRecord>();
  readonly organizations: Organizations;
  readonly stackSets: StackSets;
  readonly timing: CloudFormationTiming = { stepDelayMs: 15 };
  /** Resolves once restart recovery has been written. */
  readonly ready: Promise<void>;
  private readonly events = new Map<string, StackEventRecord[]>();
  /** What the store holds for each stack: its template, and each resource as JSON. */
  private readonly written = new Map<string, Written>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly tasks = new Set<Promise<void>>();
  /** Errors of background work that could not be reported as a failed operation (store closed). */
  readonly backgroundErrors: unknown[] = [];

  /** `stackSets` builds the StackSets service over this state (wired in service-state.ts). */
  constructor(backend: AwsBackend, stackSets: (state: CloudFormationState) => StackSets) {
    this.backend = backend;
    const store = backend.store;
    for (const s of loadStacks(store)) {
      this.stacks.set(s.stackId, s);
      this.written.set(s.stackId, writtenForm(s));
    }
    for (const e of store.list<StackEventRecord>(CFN_COLLECTIONS.events)) {
      this.eventList(e.stackId).push(e);
    }
    for (const list of this.events.values()) list.sort((a, b) => a.seq - b.seq);
    for (const c of store.list<ChangeSetRecord>(CFN_COLLECTIONS.changeSets))
      this.changeSets.set(c.changeSetId, c);
    this.organizations = new Organizations(store);
    this.stackSets = stackSets(this);
    this.ready = this.recover();
  }

  private eventList(stackId: string): StackEventRecord[] {
    let list = this.events.get(stackId);
    if (!list) {
      list = [];
      this.events.set(stackId, list);
    }
    return list;
  }

  now(): number {
    return this.backend.now();
  }

  uuid(): string {
    return uuidFrom(this.backend.random);
  }

  pause(): Promise<void> {
    return sleep(this.timing.stepDelayMs);
  }

  // ---- lookup --------------------------------------------------------------------------------

  /** By ARN (deleted stacks too, as AWS allows) or by name (live stacks only). */
  findStack(account: string, region: string, nameOrId: string): StackRecord | undefined {
    if (nameOrId.startsWith("arn:")) {
      const s = this.stacks.get(nameOrId);
      return s && s.account === account && s.region === region ? s : undefined;
    }
    for (const s of this.stacks.values()) {
      if (
        s.account === account &&
        s.region === region &&
        s.stackName === nameOrId &&
        s.status !== "DELETE_COMPLETE"
      ) {
        return s;
      }
    }
    return undefined;
  }

  requireStack(account: string, region: string, nameOrId: string): StackRecord {
    const s = this.findStack(account, region, nameOrId);
    if (!s) throw stackNotFound(nameOrId);
    return s;
  }

  stacksOf(account: string, region: string): StackRecord[] {
    return [...this.stacks.values()].filter((s) => s.account === account && s.region === region);
  }

  eventsOf(stackId: string): StackEventRecord[] {
    return this.events.get(stackId) ?? [];
  }

  /** Export name → value over the live stacks of an account and region (for Fn::ImportValue). */
  exportsOf(account: string, region: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of this.stacksOf(account, region)) {
      if (s.status === "DELETE_COMPLETE") continue;
      for (const o of s.outputs) if (o.exportName) out[o.exportName] = o.value;
    }
    return out;
  }

  isBusy(stackId: string): boolean {
    return this.running.has(stackId);
  }

  // ---- writes --------------------------------------------------------------------------------

  /**
   * Writes the stack with its new events in one batch. The template and each resource are
   * stored apart and written only when they changed: an event changes one resource, and writing
   * the whole stack (a 200-role template, 200 resources) on each would make a large deployment's
   * writes grow with the square of its roles (docs/decisions.md, "Speed").
   */
  async saveStack(stack: StackRecord, events: StackEventRecord[] = []): Promise<void> {
    this.stacks.set(stack.stackId, stack);
    this.eventList(stack.stackId).push(...events);
    const id = stack.stackId;
    const before = this.written.get(id);
    const after = writtenForm(stack);
    const { templateBody, resources, ...header } = stack;
    const ops: StoreOp[] = [
      {
        op: "put",
        collection: CFN_COLLECTIONS.stacks,
        key: id,
        value: { ...header, resourceOrder: resources.map((r) => r.logicalId) },
      },
    ];
    if (before?.template !== templateBody)
      ops.push({
        op: "put",
        collection: CFN_COLLECTIONS.stackTemplates,
        key: id,
        value: { stackId: id, templateBody },
      });
    for (const r of resources) {
      const json = after.resources.get(r.logicalId);
      if (before?.resources.get(r.logicalId) !== json)
        ops.push({
          op: "put",
          collection: CFN_COLLECTIONS.stackResources,
          key: `${id}|${r.logicalId}`,
          value: { stackId: id, resource: r },
        });
    }
    for (const logicalId of before?.resources.keys() ?? []) {
      if (!after.resources.has(logicalId))
        ops.push({
          op: "delete",
          collection: CFN_COLLECTIONS.stackResources,
          key: `${id}|${logicalId}`,
        });
    }
    await this.backend.store.batch([
      ...ops,
      ...events.map((e) => ({
        op: "put" as const,
        collection: CFN_COLLECTIONS.events,
        key: `${e.stackId}|${String(e.seq).padStart(9, "0")}`,
        value: e,
      })),
    ]);
    this.written.set(id, after);
  }

  async saveChangeSet(cs: ChangeSetRecord): Promise<void> {
    this.changeSets.set(cs.changeSetId, cs);
    await this.backend.store.put(CFN_COLLECTIONS.changeSets, cs.changeSetId, cs);
  }

  async deleteChangeSet(cs: ChangeSetRecord): Promise<void> {
    this.changeSets.delete(cs.changeSetId);
    await this.backend.store.delete(CFN_COLLECTIONS.changeSets, cs.changeSetId);
  }

  /**
   * Records one event and the status it reports: the stack's own (logical ID = stack name) or a
   * resource's. Persisted together, so the history and the current status never disagree.
   */
  async event(
    stack: StackRecord,
    target: StackResourceRecord | null,
    status: string,
    extra: {
      reason?: string;
      properties?: Record<string, unknown>;
      physicalId?: string;
      clientRequestToken?: string;
    } = {},
  ): Promise<void> {
    const now = this.now();
    const seq = (this.events.get(stack.stackId)?.length ?? 0) + 1;
    const e: StackEventRecord = {
      stackId: stack.stackId,
      eventId: target ? `${target.logicalId}-${status}-${this.uuid()}` : this.uuid(),
      stackName: stack.stackName,
      logicalId: target ? target.logicalId : stack.stackName,
      type: target ? target.type : STACK_TYPE,
      timestamp: now,
      status,
      seq,
    };
    const physicalId = extra.physicalId ?? (target ? target.physicalId : stack.stackId);
    if (physicalId !== undefined) e.physicalId = physicalId;
    if (extra.reason !== undefined) e.reason = extra.reason;
    if (extra.properties !== undefined) e.properties = JSON.stringify(extra.properties);
    if (extra.clientRequestToken !== undefined) e.clientRequestToken = extra.clientRequestToken;
    if (target) {
      target.status = status;
      target.timestamp = now;
      if (extra.reason !== undefined) target.statusReason = extra.reason;
      else delete target.statusReason;
    } else {
      stack.status = status;
      if (extra.reason !== undefined && extra.reason !== "User Initiated")
        stack.statusReason = extra.reason;
      else delete stack.statusReason;
    }
    await this.saveStack(stack, [e]);
  }

  // ---- background work -----------------------------------------------------------------------

  /**
   * Runs an operation on a stack in the background, after any operation already running on it
   * (DeleteStack during a create waits for the create, as a queued request would).
   */
  run(stackId: string, work: () => Promise<void>): void {
    const before = this.running.get(stackId) ?? Promise.resolve();
    const next = before.then(work).catch((err) => {
      this.backgroundErrors.push(err);
    });
    this.running.set(stackId, next);
    this.track(
      next.finally(() => {
        if (this.running.get(stackId) === next) this.running.delete(stackId);
      }),
    );
  }

  /** Background work not tied to one stack (change set evaluation, stack set operations). */
  track(p: Promise<unknown>): void {
    const t = p.then(
      () => {},
      (err) => {
        this.backgroundErrors.push(err);
      },
    );
    this.tasks.add(t);
    t.finally(() => this.tasks.delete(t));
  }

  /** Resolves when the stack has no operation running (its status is then final). */
  async settled(stackId: string): Promise<StackRecord | undefined> {
    for (;;) {
      const p = this.running.get(stackId);
      if (!p) break;
      await p;
    }
    return this.stacks.get(stackId);
  }

  /** Resolves when no background work is left (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
  }

  // ---- restart -------------------------------------------------------------------------------

  private async recover(): Promise<void> {
    for (const stack of this.stacks.values()) {
      if (!IN_PROGRESS.test(stack.status) || stack.status === "REVIEW_IN_PROGRESS") continue;
      for (const r of stack.resources) {
        if (IN_PROGRESS.test(r.status))
          await this.event(stack, r, r.status.replace(IN_PROGRESS, "_FAILED"), {
            reason: INTERRUPTED_REASON,
          });
      }
      await this.event(stack, null, interruptedStatus(stack.status), {
        reason: INTERRUPTED_REASON,
      });
    }
    for (const cs of this.changeSets.values()) {
      if (cs.status === "CREATE_PENDING" || cs.status === "CREATE_IN_PROGRESS") {
        await this.saveChangeSet({
          ...cs,
          status: "FAILED",
          executionStatus: "UNAVAILABLE",
          statusReason: INTERRUPTED_REASON,
        });
      } else if (cs.executionStatus === "EXECUTE_IN_PROGRESS") {
        await this.saveChangeSet({
          ...cs,
          executionStatus: "EXECUTE_FAILED",
          statusReason: INTERRUPTED_REASON,
        });
      }
    }
    await this.stackSets.recover();
  }
}

function interruptedStatus(status: string): string {
  switch (status) {
    case "CREATE_IN_PROGRESS":
      return "CREATE_FAILED";
    case "ROLLBACK_IN_PROGRESS":
      return "ROLLBACK_FAILED";
    case "DELETE_IN_PROGRESS":
      return "DELETE_FAILED";
    default:
      // UPDATE_*: the stack may hold a mix of old and new resources; this is the state AWS uses
      // for "an update could not be finished or rolled back".
      return "UPDATE_ROLLBACK_FAILED";
  }
}

interface Written {
  template: string;
  resources: Map<string, string>;
}

function writtenForm(stack: StackRecord): Written {
  return {
    template: stack.templateBody,
    resources: new Map(stack.resources.map((r) => [r.logicalId, JSON.stringify(r)])),
  };
}

/** A stack as stored: without its template and resources (kept apart), or whole (older state). */
type StoredStack = Omit<StackRecord, "templateBody" | "resources"> &
  Partial<Pick<StackRecord, "templateBody" | "resources">> & { resourceOrder?: string[] };

/** The stacks of the store, put back together from their records, templates and resources. */
function loadStacks(store: Store): StackRecord[] {
  const templates = new Map<string, string>();
  for (const t of store.list<{ stackId: string; templateBody: string }>(
    CFN_COLLECTIONS.stackTemplates,
  ))
    templates.set(t.stackId, t.templateBody);
  const resources = new Map<string, Map<string, StackResourceRecord>>();
  for (const r of store.list<{ stackId: string; resource: StackResourceRecord }>(
    CFN_COLLECTIONS.stackResources,
  )) {
    let m = resources.get(r.stackId);
    if (!m) {
      m = new Map();
      resources.set(r.stackId, m);
    }
    m.set(r.resource.logicalId, r.resource);
  }
  return store.list<StoredStack>(CFN_COLLECTIONS.stacks).map((s) => {
    const { resourceOrder, ...rest } = s;
    const own = resources.get(s.stackId);
    return {
      ...rest,
      templateBody: s.templateBody ?? templates.get(s.stackId) ?? "",
      resources:
        s.resources ??
        (resourceOrder ?? [])
          .map((id) => own?.get(id))
          .filter((r): r is StackResourceRecord => r !== undefined),
    };
  });
}
