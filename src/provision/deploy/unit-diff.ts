/**
 * What deploying a unit would change, for units CloudFormation cannot preview (StackSets have no
 * change sets): the roles added, changed and removed, read from the deployed and the new
 * template, and the instances added and removed.
 */
import { readTemplate } from "../reader/index.js";
import type { CfnTemplate } from "../reader/types.js";

export interface RoleChange {
  action: "Add" | "Modify" | "Remove";
  /** Logical ID; for the provider, its logical ID too. */
  logicalId: string;
  type: string;
}

function resourcesOf(template: CfnTemplate | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, r] of Object.entries(template?.Resources ?? {})) {
    out.set(id, JSON.stringify({ t: r.Type, c: r.Condition, p: r.Properties, m: r.Metadata }));
  }
  return out;
}

/** Resource changes between the deployed template text and the new template. */
export function templateChanges(deployedBody: string | undefined, next: CfnTemplate): RoleChange[] {
  const before = deployedBody
    ? readTemplate(deployedBody, "deployed template").template
    : undefined;
  const old = resourcesOf(before);
  const now = resourcesOf(next);
  const out: RoleChange[] = [];
  for (const [id, shape] of now) {
    const type = next.Resources[id]!.Type;
    const was = old.get(id);
    if (was === undefined) out.push({ action: "Add", logicalId: id, type });
    else if (was !== shape) out.push({ action: "Modify", logicalId: id, type });
  }
  for (const id of old.keys()) {
    if (!now.has(id))
      out.push({ action: "Remove", logicalId: id, type: before!.Resources[id]!.Type });
  }
  return out;
}

export function difference(a: readonly string[], b: readonly string[]): string[] {
  const other = new Set(b);
  return a.filter((x) => !other.has(x));
}
