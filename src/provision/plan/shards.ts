/**
 * Roles of one family (the account roles, or the roles of one OU set) split into units that
 * each stay within a template's limits. Placement is sticky: a role already deployed stays in
 * the unit that holds it; new roles fill the first unit with room, then a new one. So adding a
 * role changes one unit, and never moves the others (docs/decisions.md, "Splitting").
 */
import type { RoleConfig } from "../config/types.js";
import { OUTPUTS_PER_STACK, RESOURCES_PER_STACK } from "./limits.js";
import type { RoleSizer } from "./measure.js";

export interface Shard {
  /** 1 for the family's first unit, then 2, 3… (never reused while the unit exists). */
  number: number;
  roles: RoleConfig[];
  /** The first unit of a stack deployment also holds the provider. */
  provider: boolean;
}

export interface ShardInput {
  roles: readonly RoleConfig[];
  /** Shard number → names of the roles the deployed unit holds. */
  existing: ReadonlyMap<number, readonly string[]>;
  /** Bytes a unit's template may have. */
  maxBytes: number;
  sizer: RoleSizer;
  /** Whether unit 1 carries the provider (stack deployments). */
  providerInFirst: boolean;
}

/** Room kept below each limit: sizes are estimated per role, and the estimate errs large anyway. */
const MARGIN = 0.98;

export function shardRoles(input: ShardInput): Shard[] {
  const byName = new Map(input.roles.map((r) => [r.name, r]));
  const shards = new Map<number, Shard>();
  const placed = new Set<string>();
  for (const [number, names] of [...input.existing].sort((a, b) => a[0] - b[0])) {
    const roles = names.map((n) => byName.get(n)).filter((r): r is RoleConfig => r !== undefined);
    for (const r of roles) placed.add(r.name);
    shards.set(number, { number, roles, provider: input.providerInFirst && number === 1 });
  }
  if (input.providerInFirst && !shards.has(1))
    shards.set(1, { number: 1, roles: [], provider: true });

  const maxBytes = Math.floor(input.maxBytes * MARGIN);
  // Roles per unit: one resource and one output each; the provider adds one of both.
  const maxRoles = Math.min(RESOURCES_PER_STACK, OUTPUTS_PER_STACK) - 1;
  const bytesOf = (s: Shard) =>
    s.roles.reduce((n, r) => n + input.sizer.role(r), input.sizer.base(s.provider));
  const fits = (s: Shard, extra?: RoleConfig) =>
    s.roles.length + (extra ? 1 : 0) <= maxRoles &&
    bytesOf(s) + (extra ? input.sizer.role(extra) : 0) <= maxBytes;

  const queue: RoleConfig[] = [];
  // A unit whose roles grew beyond its limits gives up its last roles (they are placed again).
  for (const s of shards.values()) {
    while (s.roles.length > 0 && !fits(s)) queue.unshift(s.roles.pop()!);
  }
  for (const r of input.roles) if (!placed.has(r.name)) queue.push(r);
  const ordered = () => [...shards.values()].sort((a, b) => a.number - b.number);
  for (const role of queue) {
    let target = ordered().find((s) => fits(s, role));
    if (!target) {
      let n = 1;
      while (shards.has(n)) n++;
      target = { number: n, roles: [], provider: input.providerInFirst && n === 1 };
      shards.set(n, target);
    }
    target.roles.push(role);
  }
  return ordered();
}
