/**
 * The plan of an update: from the changes (changes.ts) to the ordered steps the apply phase
 * carries out, decided before anything is touched. A replacement is planned as CloudFormation
 * does it: a new physical resource is created first and the old one deleted in cleanup; when
 * the new one would keep a custom name, it cannot coexist with the old one and the update
 * fails (docs/aws-behaviour.md, "CloudFormation").
 */
import type { ResolvedTemplate } from "../../../provision/reader/index.js";
import type { ResourceChangeRecord, StackRecord, StackResourceRecord } from "./records.js";
import { RESOURCE_HANDLERS } from "./resources/index.js";

export type UpdateStep =
  | { kind: "add"; id: string }
  | { kind: "modify"; id: string; onlyMetadata: boolean }
  | {
      kind: "replace";
      id: string;
      /**
       * `refuse`: the custom name stays the same. `create-first`: as AWS. `delete-first`: the
       * emulator names unnamed resources deterministically, so the new name is the old one.
       */
      how: "refuse" | "create-first" | "delete-first";
      /** The custom name that blocks a `refuse`. */
      name?: string;
    };

export interface UpdatePlan {
  /** In the new template's dependency order. */
  steps: UpdateStep[];
  /** Logical IDs no longer in the template, deleted in cleanup (in the changes' order). */
  removals: string[];
}

/** The stack's live record of a logical ID. */
export function liveRecord(stack: StackRecord, id: string): StackResourceRecord | undefined {
  return stack.resources.find((r) => r.logicalId === id && r.status !== "DELETE_COMPLETE");
}

export function planUpdate(
  stack: StackRecord,
  resolved: ResolvedTemplate,
  changes: readonly ResourceChangeRecord[],
): UpdatePlan {
  const byId = new Map(changes.map((c) => [c.logicalId, c]));
  const steps: UpdateStep[] = [];
  for (const id of resolved.order) {
    const change = byId.get(id);
    if (!change) continue;
    if (change.action === "Add") {
      steps.push({ kind: "add", id });
      continue;
    }
    if (change.action !== "Modify") continue;
    const before = liveRecord(stack, id)!;
    if (change.replacement !== "True") {
      steps.push({
        kind: "modify",
        id,
        onlyMetadata: change.details.every((x) => x.attribute === "Metadata"),
      });
      continue;
    }
    const res = resolved.resources[id]!;
    const nameProp = RESOURCE_HANDLERS[before.type]?.nameProperty;
    const oldName = nameProp ? before.properties[nameProp] : undefined;
    const newName = nameProp ? res.properties[nameProp] : undefined;
    if (oldName !== undefined && newName !== undefined && String(oldName) === String(newName)) {
      steps.push({ kind: "replace", id, how: "refuse", name: String(newName) });
    } else if (res.physicalId !== undefined && res.physicalId === before.physicalId) {
      steps.push({ kind: "replace", id, how: "delete-first" });
    } else {
      steps.push({ kind: "replace", id, how: "create-first" });
    }
  }
  const removals = changes.filter((c) => c.action === "Remove").map((c) => c.logicalId);
  return { steps, removals };
}
