/**
 * The compensate phase: what CloudFormation does when a step fails. A failed create deletes what
 * was made (rollback); a failed update undoes the applied steps, newest first, then deletes what
 * the update added, and the stack takes its previous template back.
 */
import type { Applied } from "./apply-update.js";
import type { Deployment } from "./deployment.js";
import type { StackRecord, StackResourceRecord } from "./records.js";
import { deleteAll, deleteOne, recreate, updateOne } from "./resource-steps.js";
import type { CloudFormationState } from "./state.js";

/** After a failed create: ROLLBACK (or nothing, with DO_NOTHING); `DELETE` then deletes the stack. */
export async function compensateCreate(
  state: CloudFormationState,
  stack: StackRecord,
  d: Deployment,
  failed: StackResourceRecord,
  deleteStack: () => Promise<void>,
): Promise<void> {
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
    await deleteStack();
  }
}

export async function compensateUpdate(
  state: CloudFormationState,
  stack: StackRecord,
  previous: StackRecord,
  applied: readonly Applied[],
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
      await state.event(stack, a.rec, "UPDATE_IN_PROGRESS");
      await state.pause();
      // From the new properties (a failed change may have applied part of them) back.
      const reason =
        a.rec.physicalId === undefined
          ? undefined
          : await updateOne(
              state,
              stack,
              { ...a.rec, physicalId: a.before.physicalId },
              a.after,
              a.before.properties,
            );
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
