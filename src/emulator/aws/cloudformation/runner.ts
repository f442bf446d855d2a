/**
 * The background half of stack operations: resources created, updated and deleted one step at a
 * time through IAM, each step an event, with CloudFormation's rollback rules. Resources go in the
 * reader's dependency order (deletion in reverse), one at a time, so runs are deterministic.
 */
import { randomUUID } from "node:crypto";
import type { ResolvedTemplate } from "../../../provision/reader/index.js";
import { AwsError } from "../errors.js";
import { substitute } from "./ids.js";
import type {
  ResourceChangeRecord,
  StackOutputRecord,
  StackParameterRecord,
  StackRecord,
  StackResourceRecord,
} from "./records.js";
import {
  RESOURCE_HANDLERS,
  type ResourceContext,
  unsupportedTypeReason,
} from "./resources/index.js";
import type { CloudFormationState } from "./state.js";
import type { PreparedTemplate } from "./template.js";

/** What an operation deploys: a prepared template and the stack settings that go with it. */
export interface Deployment {
  templateBody: string;
  prepared: PreparedTemplate;
  parameterValues: Record<string, string>;
  parameters: StackParameterRecord[];
  capabilities: string[];
  onFailure: "ROLLBACK" | "DELETE" | "DO_NOTHING";
  clientRequestToken?: string;
}

function ctxFor(
  state: CloudFormationState,
  stack: StackRecord,
  logicalId: string,
): ResourceContext {
  return { iam: state.backend.iam, account: stack.account, logicalId };
}

/** The reason CloudFormation prints for a handler failure, carrying IAM's own message. */
export function failureReason(err: unknown): string {
  if (err instanceof AwsError) {
    const handlerCode =
      err.code === "EntityAlreadyExists"
        ? "AlreadyExists"
        : err.code === "NoSuchEntity"
          ? "NotFound"
          : err.code === "LimitExceeded"
            ? "ServiceLimitExceeded"
            : err.httpStatus < 500
              ? "InvalidRequest"
              : "GeneralServiceException";
    return `Resource handler returned message: "${err.message} (Service: Iam, Status Code: ${err.httpStatus}, Request ID: ${randomUUID()})" (HandlerErrorCode: ${handlerCode})`;
  }
  const code = (err as { code?: string })?.code;
  const message = err instanceof Error ? err.message : String(err);
  return `Resource handler returned message: "${message}" (HandlerErrorCode: ${code === "InvalidRequest" ? "InvalidRequest" : "InternalFailure"})`;
}

/** Why a resource cannot be provisioned before any call (unsupported type, unresolved value). */
function precheck(resolved: ResolvedTemplate, logicalId: string, type: string): string | undefined {
  if (!RESOURCE_HANDLERS[type]) return unsupportedTypeReason(type);
  const prefix = `Resources.${logicalId}.`;
  const u = resolved.unresolved.find((x) => x.path.startsWith(prefix));
  if (u) return `The emulator could not resolve ${u.path}: ${u.reason}`;
  return undefined;
}

/** Remembers IDs IAM assigned where the reader predicted others (RoleId, PolicyId). */
function learnIds(
  stack: StackRecord,
  predicted: Record<string, string>,
  actual: Record<string, string>,
) {
  for (const [k, v] of Object.entries(predicted)) {
    const a = actual[k];
    if (a !== undefined && a !== v) stack.idMap[v] = a;
  }
}

async function createOne(
  state: CloudFormationState,
  stack: StackRecord,
  rec: StackResourceRecord,
  resolved: ResolvedTemplate,
): Promise<string | undefined> {
  const res = resolved.resources[rec.logicalId]!;
  const blocked = precheck(resolved, rec.logicalId, rec.type);
  if (blocked) return blocked;
  try {
    const p = await RESOURCE_HANDLERS[rec.type]!.create(
      ctxFor(state, stack, rec.logicalId),
      substitute(res.properties, stack.idMap),
      res.physicalId,
    );
    rec.physicalId = p.physicalId;
    rec.attributes = p.attributes;
    learnIds(stack, res.attributes, p.attributes);
    return undefined;
  } catch (err) {
    return failureReason(err);
  }
}

async function deleteOne(
  state: CloudFormationState,
  stack: StackRecord,
  rec: StackResourceRecord,
): Promise<string | undefined> {
  if (rec.physicalId === undefined) return undefined;
  const handler = RESOURCE_HANDLERS[rec.type];
  if (!handler) return undefined;
  try {
    await handler.delete(
      ctxFor(state, stack, rec.logicalId),
      rec.physicalId,
      substitute(rec.properties, stack.idMap),
    );
    return undefined;
  } catch (err) {
    return failureReason(err);
  }
}

function newResource(
  state: CloudFormationState,
  resolved: ResolvedTemplate,
  id: string,
  deletionPolicy?: string,
): StackResourceRecord {
  const res = resolved.resources[id]!;
  const rec: StackResourceRecord = {
    logicalId: id,
    type: res.type,
    status: "CREATE_IN_PROGRESS",
    timestamp: state.now(),
    properties: res.properties,
    attributes: {},
  };
  if (res.metadata !== undefined) rec.metadata = res.metadata;
  if (deletionPolicy !== undefined) rec.deletionPolicy = deletionPolicy;
  return rec;
}

function deletionPolicyOf(d: Deployment, id: string): string | undefined {
  return d.prepared.parsed.template.Resources[id]?.DeletionPolicy;
}

/** Outputs with IAM's real IDs substituted; lists are comma-joined as CloudFormation shows them. */
export function computeOutputs(
  resolved: ResolvedTemplate,
  idMap: Record<string, string>,
): StackOutputRecord[] {
  return Object.entries(resolved.outputs).map(([key, o]) => {
    const value = substitute(o.value, idMap);
    const out: StackOutputRecord = {
      key,
      value: Array.isArray(value)
        ? value.join(",")
        : typeof value === "string"
          ? value
          : JSON.stringify(value),
    };
    if (typeof o.description === "string") out.description = o.description;
    if (typeof o.exportName === "string") out.exportName = substitute(o.exportName, idMap);
    return out;
  });
}

/** The stack takes the deployment's template, parameters, capabilities and description. */
export function applySettings(stack: StackRecord, d: Deployment): void {
  stack.templateBody = d.templateBody;
  stack.parameterValues = d.parameterValues;
  stack.parameters = d.parameters;
  stack.capabilities = d.capabilities;
  const description = d.prepared.resolved.description;
  if (description !== undefined) stack.description = description;
  else delete stack.description;
}

// ---- create ------------------------------------------------------------------------------------

export async function runCreate(
  state: CloudFormationState,
  stack: StackRecord,
  d: Deployment,
): Promise<void> {
  const resolved = d.prepared.resolved;
  let failed: StackResourceRecord | undefined;
  for (const id of resolved.order) {
    const rec = newResource(state, resolved, id, deletionPolicyOf(d, id));
    stack.resources.push(rec);
    await state.event(stack, rec, "CREATE_IN_PROGRESS", { properties: rec.properties });
    await state.pause();
    const reason = await createOne(state, stack, rec, resolved);
    if (reason !== undefined) {
      await state.event(stack, rec, "CREATE_FAILED", { reason });
      failed = rec;
      break;
    }
    await state.event(stack, rec, "CREATE_COMPLETE");
  }
  if (!failed) {
    stack.outputs = computeOutputs(resolved, stack.idMap);
    await state.event(stack, null, "CREATE_COMPLETE");
    return;
  }
  const why = `The following resource(s) failed to create: [${failed.logicalId}]. `;
  if (d.onFailure === "DO_NOTHING") {
    await state.event(stack, null, "CREATE_FAILED", { reason: why });
    return;
  }
  await state.event(stack, null, "ROLLBACK_IN_PROGRESS", {
    reason: `${why}Rollback requested by user.`,
  });
  const stuck = await deleteAll(state, stack, { rollback: true });
  if (stuck.length > 0) {
    await state.event(stack, null, "ROLLBACK_FAILED", {
      reason: `The following resource(s) failed to delete: [${stuck.join(", ")}]. `,
    });
    return;
  }
  await state.event(stack, null, "ROLLBACK_COMPLETE");
  if (d.onFailure === "DELETE") {
    await state.pause();
    await runDelete(state, stack, []);
  }
}

// ---- delete ------------------------------------------------------------------------------------

/** Deletes live resources in reverse order; returns the logical IDs that could not be deleted. */
async function deleteAll(
  state: CloudFormationState,
  stack: StackRecord,
  opts: { rollback?: boolean; retain?: string[] },
): Promise<string[]> {
  const stuck: string[] = [];
  for (const rec of [...stack.resources].reverse()) {
    if (rec.status === "DELETE_COMPLETE" || rec.status === "DELETE_SKIPPED") continue;
    if (rec.physicalId === undefined) {
      // Never made (failed or not started): CloudFormation still reports it gone.
      await state.event(stack, rec, "DELETE_COMPLETE");
      continue;
    }
    if (
      !opts.rollback &&
      (rec.deletionPolicy === "Retain" || opts.retain?.includes(rec.logicalId))
    ) {
      await state.event(stack, rec, "DELETE_SKIPPED");
      continue;
    }
    await state.event(stack, rec, "DELETE_IN_PROGRESS");
    await state.pause();
    const reason = await deleteOne(state, stack, rec);
    if (reason !== undefined) {
      await state.event(stack, rec, "DELETE_FAILED", { reason });
      stuck.push(rec.logicalId);
    } else {
      await state.event(stack, rec, "DELETE_COMPLETE");
    }
  }
  return stuck;
}

export async function runDelete(
  state: CloudFormationState,
  stack: StackRecord,
  retain: string[],
): Promise<void> {
  if (stack.status === "DELETE_COMPLETE") return;
  await state.event(stack, null, "DELETE_IN_PROGRESS", { reason: "User Initiated" });
  const stuck = await deleteAll(state, stack, { retain });
  if (stuck.length > 0) {
    await state.event(stack, null, "DELETE_FAILED", {
      reason: `The following resource(s) failed to delete: [${stuck.join(", ")}]. `,
    });
    return;
  }
  stack.deletionTime = state.now();
  await state.event(stack, null, "DELETE_COMPLETE");
  for (const cs of [...state.changeSets.values()])
    if (cs.stackId === stack.stackId) await state.deleteChangeSet(cs);
}

// ---- update ------------------------------------------------------------------------------------

type Applied =
  | { kind: "add"; rec: StackResourceRecord }
  | {
      kind: "modify";
      rec: StackResourceRecord;
      before: StackResourceRecord;
      after: Record<string, unknown>;
    }
  | { kind: "replace"; rec: StackResourceRecord; before: StackResourceRecord; oldDeleted: boolean };

export async function runUpdate(
  state: CloudFormationState,
  stack: StackRecord,
  d: Deployment,
  changes: ResourceChangeRecord[],
): Promise<void> {
  const resolved = d.prepared.resolved;
  const previous = structuredClone(stack);
  applySettings(stack, d);
  const byId = new Map(changes.map((c) => [c.logicalId, c]));
  const applied: Applied[] = [];
  let failed: { id: string; verb: string } | undefined;

  for (const id of resolved.order) {
    const change = byId.get(id);
    if (!change) continue;
    const res = resolved.resources[id]!;
    if (change.action === "Add") {
      const rec = newResource(state, resolved, id, deletionPolicyOf(d, id));
      stack.resources.push(rec);
      applied.push({ kind: "add", rec });
      await state.event(stack, rec, "CREATE_IN_PROGRESS", { properties: rec.properties });
      await state.pause();
      const reason = await createOne(state, stack, rec, resolved);
      if (reason !== undefined) {
        await state.event(stack, rec, "CREATE_FAILED", { reason });
        failed = { id, verb: "create" };
        break;
      }
      await state.event(stack, rec, "CREATE_COMPLETE");
      continue;
    }
    // Modify
    const index = stack.resources.findIndex(
      (r) => r.logicalId === id && r.status !== "DELETE_COMPLETE",
    );
    const rec = stack.resources[index]!;
    const before = structuredClone(rec);
    const handler = RESOURCE_HANDLERS[rec.type];
    const onlyMetadata = change.details.every((x) => x.attribute === "Metadata");
    if (change.replacement === "True") {
      const nameProp = handler?.nameProperty;
      await state.event(stack, rec, "UPDATE_IN_PROGRESS", {
        properties: res.properties,
        reason:
          "Requested update requires the creation of a new physical resource; hence creating one.",
      });
      await state.pause();
      if (
        nameProp &&
        before.properties[nameProp] !== undefined &&
        res.properties[nameProp] !== undefined
      ) {
        await state.event(stack, rec, "UPDATE_FAILED", {
          reason: `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${String(res.properties[nameProp])} and update the stack again.`,
        });
        applied.push({ kind: "modify", rec, before, after: res.properties });
        failed = { id, verb: "update" };
        break;
      }
      // The reader names unnamed resources deterministically, so the replacement would collide
      // with the old one: the emulator deletes the old resource first (AWS creates first).
      let oldDeleted = false;
      if (res.physicalId !== undefined && res.physicalId === before.physicalId) {
        const reason = await deleteOne(state, stack, before);
        if (reason !== undefined) {
          await state.event(stack, rec, "UPDATE_FAILED", { reason });
          applied.push({ kind: "modify", rec, before, after: res.properties });
          failed = { id, verb: "update" };
          break;
        }
        oldDeleted = true;
      }
      const fresh = newResource(state, resolved, id, deletionPolicyOf(d, id));
      fresh.status = rec.status;
      stack.resources[index] = fresh;
      applied.push({ kind: "replace", rec: fresh, before, oldDeleted });
      const reason = await createOne(state, stack, fresh, resolved);
      if (reason !== undefined) {
        await state.event(stack, fresh, "UPDATE_FAILED", { reason });
        failed = { id, verb: "update" };
        break;
      }
      await state.event(stack, fresh, "UPDATE_COMPLETE");
      continue;
    }
    await state.event(stack, rec, "UPDATE_IN_PROGRESS", { properties: res.properties });
    await state.pause();
    applied.push({ kind: "modify", rec, before, after: res.properties });
    let reason: string | undefined = precheck(resolved, id, rec.type);
    if (reason === undefined && !onlyMetadata && handler && rec.physicalId !== undefined) {
      try {
        const p = await handler.update(
          ctxFor(state, stack, id),
          rec.physicalId,
          substitute(before.properties, stack.idMap),
          substitute(res.properties, stack.idMap),
        );
        rec.physicalId = p.physicalId;
        rec.attributes = p.attributes;
        learnIds(stack, res.attributes, p.attributes);
      } catch (err) {
        reason = failureReason(err);
      }
    }
    if (reason !== undefined) {
      await state.event(stack, rec, "UPDATE_FAILED", { reason });
      failed = { id, verb: "update" };
      break;
    }
    rec.properties = res.properties;
    if (res.metadata !== undefined) rec.metadata = res.metadata;
    else delete rec.metadata;
    rec.deletionPolicy = deletionPolicyOf(d, id);
    if (rec.deletionPolicy === undefined) delete rec.deletionPolicy;
    await state.event(stack, rec, "UPDATE_COMPLETE");
  }

  if (failed) {
    await rollbackUpdate(state, stack, previous, applied, failed);
    return;
  }

  await state.event(stack, null, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
  // Old physical resources of replacements, then resources no longer in the template.
  for (const a of applied) {
    if (a.kind !== "replace" || a.oldDeleted) continue;
    await state.event(stack, a.rec, "DELETE_IN_PROGRESS", { physicalId: a.before.physicalId });
    await state.pause();
    const reason = await deleteOne(state, stack, a.before);
    await state.event(stack, a.rec, reason === undefined ? "DELETE_COMPLETE" : "DELETE_FAILED", {
      physicalId: a.before.physicalId,
      ...(reason === undefined ? {} : { reason }),
    });
    a.rec.status = "UPDATE_COMPLETE";
  }
  for (const c of changes) {
    if (c.action !== "Remove") continue;
    const rec = stack.resources.find(
      (r) => r.logicalId === c.logicalId && r.status !== "DELETE_COMPLETE",
    );
    if (!rec) continue;
    if (rec.deletionPolicy === "Retain") {
      await state.event(stack, rec, "DELETE_SKIPPED");
    } else {
      await state.event(stack, rec, "DELETE_IN_PROGRESS");
      await state.pause();
      const reason = await deleteOne(state, stack, rec);
      await state.event(
        stack,
        rec,
        reason === undefined ? "DELETE_COMPLETE" : "DELETE_FAILED",
        reason === undefined ? {} : { reason },
      );
    }
  }
  // The stack now holds the new template's resources, in its order.
  stack.resources = resolved.order
    .map((id) => stack.resources.find((r) => r.logicalId === id && r.status !== "DELETE_COMPLETE"))
    .filter((r): r is StackResourceRecord => r !== undefined);
  stack.outputs = computeOutputs(resolved, stack.idMap);
  stack.lastUpdatedTime = state.now();
  await state.event(stack, null, "UPDATE_COMPLETE");
}

async function rollbackUpdate(
  state: CloudFormationState,
  stack: StackRecord,
  previous: StackRecord,
  applied: Applied[],
  failed: { id: string; verb: string },
): Promise<void> {
  await state.event(stack, null, "UPDATE_ROLLBACK_IN_PROGRESS", {
    reason: `The following resource(s) failed to ${failed.verb}: [${failed.id}]. `,
  });
  const stuck: string[] = [];
  // Modified resources go back to their previous properties, newest change first.
  for (const a of [...applied].reverse()) {
    if (a.kind === "add") continue;
    if (a.kind === "modify") {
      const handler = RESOURCE_HANDLERS[a.rec.type];
      await state.event(stack, a.rec, "UPDATE_IN_PROGRESS");
      await state.pause();
      let reason: string | undefined;
      if (handler && a.rec.physicalId !== undefined && a.before.physicalId !== undefined) {
        try {
          await handler.update(
            ctxFor(state, stack, a.rec.logicalId),
            a.before.physicalId,
            // From the new properties (a failed change may have applied part of them) back.
            substitute(a.after, stack.idMap),
            substitute(a.before.properties, stack.idMap),
          );
        } catch (err) {
          reason = failureReason(err);
        }
      }
      Object.assign(a.rec, {
        properties: a.before.properties,
        attributes: a.before.attributes,
        physicalId: a.before.physicalId,
      });
      if (reason !== undefined) stuck.push(a.rec.logicalId);
      await state.event(
        stack,
        a.rec,
        reason === undefined ? "UPDATE_COMPLETE" : "UPDATE_FAILED",
        reason === undefined ? {} : { reason },
      );
      continue;
    }
    // replace: bring back the old resource record (re-creating it if it was deleted first).
    const index = stack.resources.indexOf(a.rec);
    const old = structuredClone(a.before);
    if (a.oldDeleted) {
      const reason = await deleteOne(state, stack, a.rec);
      const again = reason === undefined ? await recreate(state, stack, old) : reason;
      if (again !== undefined) stuck.push(old.logicalId);
    } else {
      await state.event(stack, a.rec, "DELETE_IN_PROGRESS");
      await deleteOne(state, stack, a.rec);
      await state.event(stack, a.rec, "DELETE_COMPLETE");
    }
    if (index >= 0) stack.resources[index] = old;
    await state.event(stack, old, "UPDATE_COMPLETE");
  }
  await state.event(stack, null, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS");
  for (const a of [...applied].reverse()) {
    if (a.kind !== "add") continue;
    if (a.rec.physicalId !== undefined) {
      await state.event(stack, a.rec, "DELETE_IN_PROGRESS");
      await state.pause();
      const reason = await deleteOne(state, stack, a.rec);
      if (reason !== undefined) stuck.push(a.rec.logicalId);
      await state.event(
        stack,
        a.rec,
        reason === undefined ? "DELETE_COMPLETE" : "DELETE_FAILED",
        reason === undefined ? {} : { reason },
      );
    } else {
      await state.event(stack, a.rec, "DELETE_COMPLETE");
    }
  }
  const live = stack.resources.filter((r) => r.status !== "DELETE_COMPLETE");
  Object.assign(stack, {
    templateBody: previous.templateBody,
    parameterValues: previous.parameterValues,
    parameters: previous.parameters,
    capabilities: previous.capabilities,
    outputs: previous.outputs,
    resources: previous.resources.map((p) => live.find((r) => r.logicalId === p.logicalId) ?? p),
  });
  if (previous.description !== undefined) stack.description = previous.description;
  else delete stack.description;
  stack.lastUpdatedTime = state.now();
  await state.event(
    stack,
    null,
    stuck.length > 0 ? "UPDATE_ROLLBACK_FAILED" : "UPDATE_ROLLBACK_COMPLETE",
    stuck.length > 0
      ? { reason: `The following resource(s) failed to roll back: [${stuck.join(", ")}]. ` }
      : {},
  );
}

async function recreate(
  state: CloudFormationState,
  stack: StackRecord,
  rec: StackResourceRecord,
): Promise<string | undefined> {
  try {
    const p = await RESOURCE_HANDLERS[rec.type]!.create(
      ctxFor(state, stack, rec.logicalId),
      substitute(rec.properties, stack.idMap),
      rec.physicalId,
    );
    rec.physicalId = p.physicalId;
    rec.attributes = p.attributes;
    return undefined;
  } catch (err) {
    return failureReason(err);
  }
}
