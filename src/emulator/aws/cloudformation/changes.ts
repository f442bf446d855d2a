/**
 * What an update would do, resource by resource: the Changes a change set lists and the plan
 * UpdateStack carries out. Properties are compared as the template reader resolved them, so a
 * policy written as a JSON string and the same policy as YAML are no change.
 */
import type { ResolvedTemplate } from "../../../provision/reader/index.js";
import { validationError } from "./errors.js";
import type {
  ResourceChangeDetailRecord,
  ResourceChangeRecord,
  StackResourceRecord,
} from "./records.js";
import { RESOURCE_HANDLERS } from "./resources/index.js";
import { sameJson } from "./resources/types.js";

/** Resources of a stack that exist (a deleted or never-created one is not "current"). */
export function liveResources(resources: StackResourceRecord[]): StackResourceRecord[] {
  return resources.filter(
    (r) =>
      r.physicalId !== undefined && r.status !== "DELETE_COMPLETE" && r.status !== "CREATE_FAILED",
  );
}

export function planChanges(
  current: StackResourceRecord[],
  next: ResolvedTemplate,
): ResourceChangeRecord[] {
  const live = liveResources(current);
  const byId = new Map(live.map((r) => [r.logicalId, r]));
  const retyped = next.order.filter((id) => {
    const old = byId.get(id);
    return old !== undefined && old.type !== next.resources[id]!.type;
  });
  if (retyped.length > 0) {
    throw validationError(
      `Update of resource type is not permitted. The new template modifies resource type of the following resources: [${retyped.join(", ")}]`,
    );
  }
  const out: ResourceChangeRecord[] = [];
  for (const id of next.order) {
    const res = next.resources[id]!;
    const old = byId.get(id);
    if (!old) {
      out.push({ action: "Add", logicalId: id, type: res.type, scope: [], details: [] });
      continue;
    }
    const details = propertyChanges(old, res.type, res.properties, res.metadata);
    if (details.length === 0) continue;
    const change: ResourceChangeRecord = {
      action: "Modify",
      logicalId: id,
      type: res.type,
      replacement: details.some((d) => d.requiresRecreation === "Always") ? "True" : "False",
      scope: [...new Set(details.map((d) => d.attribute))],
      details,
    };
    if (old.physicalId !== undefined) change.physicalId = old.physicalId;
    out.push(change);
  }
  for (const old of [...live].reverse()) {
    if (next.resources[old.logicalId]) continue;
    const change: ResourceChangeRecord = {
      action: "Remove",
      logicalId: old.logicalId,
      type: old.type,
      scope: [],
      details: [],
    };
    if (old.physicalId !== undefined) change.physicalId = old.physicalId;
    out.push(change);
  }
  return out;
}

function propertyChanges(
  old: StackResourceRecord,
  type: string,
  properties: Record<string, unknown>,
  metadata: Record<string, unknown> | undefined,
): ResourceChangeDetailRecord[] {
  const replacing = RESOURCE_HANDLERS[type]?.replacementProperties ?? [];
  const names = [...new Set([...Object.keys(old.properties), ...Object.keys(properties)])];
  const details: ResourceChangeDetailRecord[] = [];
  for (const name of names) {
    if (sameJson(old.properties[name], properties[name])) continue;
    details.push({
      attribute: name === "Tags" ? "Tags" : "Properties",
      name,
      requiresRecreation: replacing.includes(name) ? "Always" : "Never",
    });
  }
  if (!sameJson(old.metadata ?? null, metadata ?? null)) {
    details.push({ attribute: "Metadata", requiresRecreation: "Never" });
  }
  return details;
}
