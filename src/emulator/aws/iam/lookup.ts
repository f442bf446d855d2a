import type { Store } from "../../store/types.js";
import { awsManagedPolicy } from "./aws-managed.js";
import {
  type AccessKeyStored,
  COLLECTIONS,
  type InlinePolicyStored,
  type ManagedPolicyStored,
  type OidcProviderStored,
  type RoleStored,
  type UserStored,
} from "./records.js";

/**
 * Store keys and the reads every entity module shares. Role, policy and user names are unique
 * case-insensitively within an account, as in IAM; inline policy names are case-sensitive.
 * Access key IDs are unique across accounts (a signature names only the key).
 */
export const keys = {
  provider: (account: string, url: string) => `${account}/${url}`,
  role: (account: string, name: string) => `${account}/${name.toLowerCase()}`,
  policy: (account: string, name: string) => `${account}/${name.toLowerCase()}`,
  inline: (account: string, role: string, policy: string) =>
    `${account}/${role.toLowerCase()}/${policy}`,
  user: (account: string, name: string) => `${account}/${name.toLowerCase()}`,
  accessKey: (accessKeyId: string) => accessKeyId,
};

/** Records `where` accepts, copying only those (every account's records share a collection). */
function select<T>(store: Store, collection: string, where: (v: Readonly<T>) => boolean): T[] {
  return store.select
    ? store.select<T>(collection, where)
    : store.list<T>(collection).filter(where);
}

/** The stored record itself (frozen: only look), without `get`'s copy where the store allows. */
export function peek<T>(store: Store, collection: string, key: string): Readonly<T> | undefined {
  return store.peek ? store.peek<T>(collection, key) : store.get<T>(collection, key);
}

export function findRole(store: Store, account: string, name: string): RoleStored | undefined {
  return store.get<RoleStored>(COLLECTIONS.roles, keys.role(account, name));
}

/** The account's roles, in creation order. */
export function rolesOf(store: Store, account: string): RoleStored[] {
  return select<RoleStored>(store, COLLECTIONS.roles, (r) => r.account === account);
}

export function inlinePoliciesOf(
  store: Store,
  account: string,
  roleName: string,
): InlinePolicyStored[] {
  const lower = roleName.toLowerCase();
  return select<InlinePolicyStored>(
    store,
    COLLECTIONS.rolePolicies,
    (p) => p.account === account && p.roleName.toLowerCase() === lower,
  );
}

export function findProvider(
  store: Store,
  account: string,
  arn: string,
): OidcProviderStored | undefined {
  const prefix = `arn:aws:iam::${account}:oidc-provider/`;
  if (!arn.startsWith(prefix)) return undefined;
  return store.get<OidcProviderStored>(
    COLLECTIONS.providers,
    keys.provider(account, arn.slice(prefix.length)),
  );
}

/** A customer managed policy of this account by ARN (path and name must both match). */
export function findCustomerPolicy(
  store: Store,
  account: string,
  arn: string,
): ManagedPolicyStored | undefined {
  if (!arn.startsWith(`arn:aws:iam::${account}:policy/`)) return undefined;
  const name = arn.slice(arn.lastIndexOf("/") + 1);
  const record = store.get<ManagedPolicyStored>(COLLECTIONS.policies, keys.policy(account, name));
  return record && record.arn === arn ? record : undefined;
}

export function customerPoliciesOf(store: Store, account: string): ManagedPolicyStored[] {
  return select<ManagedPolicyStored>(store, COLLECTIONS.policies, (p) => p.account === account);
}

/** Whether an ARN names a managed policy a role of this account can attach or be bounded by. */
export function managedPolicyExists(store: Store, account: string, arn: string): boolean {
  return (
    awsManagedPolicy(arn) !== undefined || findCustomerPolicy(store, account, arn) !== undefined
  );
}

export function findUser(store: Store, account: string, name: string): UserStored | undefined {
  return store.get<UserStored>(COLLECTIONS.users, keys.user(account, name));
}

/** The account's users, in creation order. */
export function usersOf(store: Store, account: string): UserStored[] {
  return select<UserStored>(store, COLLECTIONS.users, (u) => u.account === account);
}

/** A user's access keys, oldest first. */
export function accessKeysOf(store: Store, account: string, userName: string): AccessKeyStored[] {
  const lower = userName.toLowerCase();
  return select<AccessKeyStored>(
    store,
    COLLECTIONS.accessKeys,
    (k) => k.account === account && k.userName.toLowerCase() === lower,
  );
}
