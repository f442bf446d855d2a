/**
 * The apply phase of an update: the plan's steps one at a time, each an event, stopping at the
 * first failure; then, when all succeeded, the cleanup (old physical resources of replacements,
 * resources no longer in the template). What was applied is recorded for compensation.
 */
import { computeOutputs, type Deployment, deletionPolicyOf } from "./deployment.js";
import type { StackRecord, StackResourceRecord } from "./records.js";
import { createOne, deleteOne, newResource, precheck, updateOne } from "./resource-steps.js";
import type { CloudFormationState } from "./state.js";
import { liveRecord, type UpdatePlan, type UpdateStep } from "./update-plan.js";

/** A step that changed something, with what compensation needs to undo it. */
export type Applied =
  | { kind: "add"; rec: StackResourceRecord }
  | {
      kind: "modify";
      rec: StackResourceRecord;
      before: StackResourceRecord;
      after: Record<string, unknown>;
    }
  | { kind: "replace"; rec: StackResourceRecord; before: StackResourceRecord; oldDeleted: boolean };

export interface ApplyOutcome {
  applied: Applied[];
  failed?: { id: string; verb: "create" | "update" };
}

const REPLACING =
  "Requested update requires the creation of a new physical resource; hence creating one.";

export async function applyUpdate(
  state: CloudFormationState,
  stack: StackRecord,
  d: Deployment,
  plan: UpdatePlan,
): Promise<ApplyOutcome> {
  const out: ApplyOutcome = { applied: [] };
  for (const step of plan.steps) {
    const ok = await applyStep(state, stack, d, step, out.applied);
    if (!ok) {
      out.failed = { id: step.id, verb: step.kind === "add" ? "create" : "update" };
      break;
    }
  }
  return out;
}

async function applyStep(
  state: CloudFormationState,
  stack: StackRecord,
  d: Deployment,
  step: UpdateStep,
  applied: Applied[],
): Promise<boolean> {
  const resolved = d.prepared.resolved;
  const id = step.id;
  const res = resolved.resources[id]!;
  if (step.kind === "add") {
    const rec = newResource(state, resolved, id, deletionPolicyOf(d, id));
    stack.resources.push(rec);
    applied.push({ kind: "add", rec });
    await state.event(stack, rec, "CREATE_IN_PROGRESS", { properties: rec.properties });
    await state.pause();
    const reason = await createOne(state, stack, rec, resolved);
    if (reason !== undefined) {
      await state.event(stack, rec, "CREATE_FAILED", { reason });
      return false;
    }
    await state.event(stack, rec, "CREATE_COMPLETE");
    return true;
  }
  const index = stack.resources.indexOf(liveRecord(stack, id)!);
  const rec = stack.resources[index]!;
  const before = structuredClone(rec);
  if (step.kind === "replace") {
    await state.event(stack, rec, "UPDATE_IN_PROGRESS", {
      properties: res.properties,
      reason: REPLACING,
    });
    await state.pause();
    if (step.how === "refuse") {
      await state.event(stack, rec, "UPDATE_FAILED", {
        reason: `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${step.name} and update the stack again.`,
      });
      applied.push({ kind: "modify", rec, before, after: res.properties });
      return false;
    }
    let oldDeleted = false;
    if (step.how === "delete-first") {
      const reason = await deleteOne(state, stack, before);
      if (reason !== undefined) {
        await state.event(stack, rec, "UPDATE_FAILED", { reason });
        applied.push({ kind: "modify", rec, before, after: res.properties });
        return false;
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
      return false;
    }
    await state.event(stack, fresh, "UPDATE_COMPLETE");
    return true;
  }
  await state.event(stack, rec, "UPDATE_IN_PROGRESS", { properties: res.properties });
  await state.pause();
  applied.push({ kind: "modify", rec, before, after: res.properties });
  let reason = precheck(resolved, id, rec.type);
  if (reason === undefined && !step.onlyMetadata) {
    reason = await updateOne(state, stack, rec, before.properties, res.properties, res.attributes);
  }
  if (reason !== undefined) {
    await state.event(stack, rec, "UPDATE_FAILED", { reason });
    return false;
  }
  rec.properties = res.properties;
  if (res.metadata !== undefined) rec.metadata = res.metadata;
  else delete rec.metadata;
  rec.deletionPolicy = deletionPolicyOf(d, id);
  if (rec.deletionPolicy === undefined) delete rec.deletionPolicy;
  await state.event(stack, rec, "UPDATE_COMPLETE");
  return true;
}

/** After every step succeeded: old resources of replacements, then removed resources, go. */
export async function cleanupUpdate(
  state: CloudFormationState,
  stack: StackRecord,
  d: Deployment,
  plan: UpdatePlan,
  applied: readonly Applied[],
): Promise<void> {
  const resolved = d.prepared.resolved;
  await state.event(stack, null, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
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
  for (const id of plan.removals) {
    const rec = liveRecord(stack, id);
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
    .map((id) => liveRecord(stack, id))
    .filter((r): r is StackResourceRecord => r !== undefined);
  stack.outputs = computeOutputs(resolved, stack.idMap);
  stack.lastUpdatedTime = state.now();
  await state.event(stack, null, "UPDATE_COMPLETE");
}
