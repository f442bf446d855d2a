/**
 * Where each role of a config goes: its accounts, or its organizational units. The deployment
 * plan is made from this, and `who-can --config` reads the same placement, so the two agree.
 */
import type { BbOidcConfig, RoleConfig } from "../config/types.js";

export interface OuGroup {
  /** The OUs, sorted: roles with the same OUs share a service-managed StackSet. */
  ous: string[];
  roles: RoleConfig[];
}

export interface Placement {
  /** Account → its roles, in config order. */
  accounts: Map<string, RoleConfig[]>;
  /** Roles targeted by account, in config order. */
  accountRoles: RoleConfig[];
  /** OU groups, in order of first appearance. */
  ouGroups: OuGroup[];
}

export function placementOf(config: BbOidcConfig): Placement {
  const accounts = new Map<string, RoleConfig[]>();
  const accountRoles: RoleConfig[] = [];
  const groups = new Map<string, OuGroup>();
  for (const role of config.roles) {
    if (role.accounts) {
      accountRoles.push(role);
      for (const a of role.accounts) {
        const list = accounts.get(a) ?? [];
        list.push(role);
        accounts.set(a, list);
      }
      continue;
    }
    const ous = [...new Set(role.organizationalUnits ?? [])].sort();
    const key = ous.join(",");
    const group = groups.get(key) ?? { ous, roles: [] };
    group.roles.push(role);
    groups.set(key, group);
  }
  return { accounts, accountRoles, ouGroups: [...groups.values()] };
}
