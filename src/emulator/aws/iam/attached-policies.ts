import type { Store } from "../../store/types.js";
import { limitExceeded, noSuchEntity } from "../errors.js";
import { managedPolicyExists } from "./lookup.js";

/**
 * Managed policies attached to an entity that takes them (roles, users): the rules IAM applies
 * alike to each, over the entity's list of policy ARNs.
 */

/** `attached` with `arn` added; undefined when it is there already (no change, no error). */
export function attaching(
  store: Store,
  account: string,
  attached: readonly string[],
  arn: string,
  quota: { name: string; max: number },
): string[] | undefined {
  if (!managedPolicyExists(store, account, arn)) {
    throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  }
  if (attached.includes(arn)) return undefined;
  if (attached.length >= quota.max) {
    throw limitExceeded(`Cannot exceed quota for ${quota.name}: ${quota.max}`);
  }
  return [...attached, arn];
}

/** `attached` without `arn`; refused when it is not attached. */
export function detaching(attached: readonly string[], arn: string): string[] {
  if (!attached.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
  return attached.filter((a) => a !== arn);
}

/** Name and ARN of each attached policy, as List*AttachedPolicies and GAAD show them. */
export function attachedViews(attached: readonly string[]): Array<{ name: string; arn: string }> {
  return attached.map((arn) => ({ arn, name: arn.slice(arn.lastIndexOf("/") + 1) }));
}
