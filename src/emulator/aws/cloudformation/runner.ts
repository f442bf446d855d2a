/**
 * The background half of stack operations, in three phases: plan (what to do, decided before
 * anything is touched: update-plan.ts), apply (one resource at a time through IAM, each step an
 * event: apply-update.ts, resource-steps.ts) and compensate (CloudFormation's rollback rules:
 * compensate.ts). Resources go in the reader's dependency order (deletion in reverse), one at a
 * time, so runs are deterministic.
 */
import { applyUpdate, cleanupUpdate } from "./apply-update.js";
import { compensateCreate, compensateUpdate } from "./compensate.js";
import { applySettings, computeOutputs, type Deployment, deletionPolicyOf } from "./deployment.js";
import type { ResourceChangeRecord, StackRecord, StackResourceRecord } from "./records.js";
import { createOne, deleteAll, newResource } from "./resource-steps.js";
import type { CloudFormationState } from "./state.js";
import { planUpdate } from "./update-plan.js";

export type { Deployment } from "./deployment.js";
export { applySettings, computeOutputs } from "./deployment.js";

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
  await compensateCreate(state, stack, d, failed, () => runDelete(state, stack, []));
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

export async function runUpdate(
  state: CloudFormationState,
  stack: StackRecord,
  d: Deployment,
  changes: ResourceChangeRecord[],
): Promise<void> {
  const previous = structuredClone(stack);
  applySettings(stack, d);
  const plan = planUpdate(stack, d.prepared.resolved, changes);
  const { applied, failed } = await applyUpdate(state, stack, d, plan);
  if (failed) await compensateUpdate(state, stack, previous, applied, failed);
  else await cleanupUpdate(state, stack, d, plan, applied);
}
