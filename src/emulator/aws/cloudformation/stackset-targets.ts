/**
 * Which accounts × regions a StackSet operation reaches: the accounts given (self-managed), or
 * the accounts of the OUs given (service-managed, filtered by AccountFilterType).
 */
import { validationError } from "./errors.js";
import { REGION_PATTERN } from "./ids.js";
import type { Organizations } from "./organizations.js";
import type { OperationPreferencesRecord, StackSetRecord } from "./records.js";
import type { ParameterInput } from "./stacks.js";

export interface TargetsInput {
  accounts?: string[];
  organizationalUnitIds?: string[];
  accountFilterType?: string;
  regions?: string[];
  parameterOverrides?: ParameterInput[];
  preferences: OperationPreferencesRecord;
  operationId?: string;
  retainStacks?: boolean;
}

/** One stack instance an operation deploys (or deletes). */
export interface Target {
  account: string;
  region: string;
  ou?: string;
}

export function withOu<T extends object>(
  value: T,
  ou: string | undefined,
): T & { organizationalUnitId?: string; ou?: string } {
  if (ou === undefined) return value;
  return { ...value, ou, organizationalUnitId: ou };
}

export function checkRegions(regions: string[] | undefined): string[] {
  if (!regions || regions.length === 0) throw validationError("Regions must be specified.");
  for (const r of regions)
    if (!REGION_PATTERN.test(r)) throw validationError(`Region ${r} is not a valid region name.`);
  return [...new Set(regions)];
}

/**
 * Accounts an operation targets. Self-managed: the accounts given. Service-managed: the accounts
 * of the OUs (the emulator's organizations map), filtered by AccountFilterType; the management
 * account itself is never a target, as in AWS.
 */
export function targetAccounts(
  organizations: Organizations,
  set: StackSetRecord,
  t: TargetsInput,
  opts: { forDelete?: boolean } = {},
): Array<{ account: string; ou?: string }> {
  const accounts = t.accounts ?? [];
  for (const a of accounts) {
    if (!/^\d{12}$/.test(a)) {
      throw validationError(
        `1 validation error detected: Value '${a}' at 'accounts' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9]{12}$`,
      );
    }
  }
  if (set.permissionModel === "SELF_MANAGED") {
    if (t.organizationalUnitIds && t.organizationalUnitIds.length > 0) {
      throw validationError(
        "OrganizationalUnitIds are supported only by StackSets with SERVICE_MANAGED permission model",
      );
    }
    if (accounts.length === 0)
      throw validationError(
        "Accounts must be specified for a StackSet with SELF_MANAGED permission model",
      );
    return [...new Set(accounts)].map((account) => ({ account }));
  }
  const ous = t.organizationalUnitIds ?? [];
  if (ous.length === 0) {
    if (opts.forDelete && accounts.length > 0) return accounts.map((account) => ({ account }));
    throw validationError(
      "DeploymentTargets.OrganizationalUnitIds must be specified for a StackSet with SERVICE_MANAGED permission model",
    );
  }
  const fromOus = new Map<string, string>();
  for (const ou of ous)
    for (const a of organizations.accountsOf(ou)) if (!fromOus.has(a)) fromOus.set(a, ou);
  const filter = t.accountFilterType ?? "NONE";
  let chosen: Array<{ account: string; ou?: string }>;
  switch (filter) {
    case "NONE":
      chosen = [...fromOus].map(([account, ou]) => ({ account, ou }));
      break;
    case "INTERSECTION":
      chosen = [...fromOus]
        .filter(([a]) => accounts.includes(a))
        .map(([account, ou]) => ({ account, ou }));
      break;
    case "DIFFERENCE":
      chosen = [...fromOus]
        .filter(([a]) => !accounts.includes(a))
        .map(([account, ou]) => ({ account, ou }));
      break;
    case "UNION":
      chosen = [
        ...[...fromOus].map(([account, ou]) => ({ account, ou })),
        ...accounts.filter((a) => !fromOus.has(a)).map((account) => ({ account })),
      ];
      break;
    default:
      throw validationError(
        `AccountFilterType must be one of NONE, INTERSECTION, DIFFERENCE, UNION (got ${filter})`,
      );
  }
  return chosen.filter((c) => c.account !== set.account);
}
