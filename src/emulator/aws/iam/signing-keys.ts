import type { Store } from "../../store/types.js";
import { keys, peek } from "./lookup.js";
import { type AccessKeyStored, COLLECTIONS, type UserStored } from "./records.js";

/** An IAM user's access key as a signature check needs it: the key, its status and its owner. */
export interface UserSigningKey {
  key: Readonly<AccessKeyStored>;
  user: Readonly<UserStored>;
}

/**
 * The user key a request is signed with, read without copying (this runs on every request
 * signed with a long-term key that is not an account's root key). Undefined: no such key.
 */
export function userSigningKey(store: Store, accessKeyId: string): UserSigningKey | undefined {
  const key = peek<AccessKeyStored>(store, COLLECTIONS.accessKeys, keys.accessKey(accessKeyId));
  if (!key) return undefined;
  const user = peek<UserStored>(store, COLLECTIONS.users, keys.user(key.account, key.userName));
  return user && { key, user };
}
