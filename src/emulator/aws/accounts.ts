import type { Store } from "../store/types.js";
import { type UserSigningKey, userSigningKey } from "./iam/signing-keys.js";
import { awsId, awsSecret, type RandomSource } from "./random.js";

/** An emulated account and the long-term key pair that acts as its root user. */
export interface AccountRecord {
  id: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const COLLECTION = "aws-accounts";

/**
 * Accounts live in the store so their admin keys are generated once and stay valid across
 * restarts (scripts and `~/.aws/credentials` profiles keep working). The long-term keys of their
 * IAM users are IAM's records, read from the same store when a request is signed with one.
 */
export class Accounts {
  private readonly byKey = new Map<string, AccountRecord>();
  private readonly byId = new Map<string, AccountRecord>();

  private constructor(
    private readonly store: Store,
    records: AccountRecord[],
  ) {
    for (const r of records) {
      this.byKey.set(r.accessKeyId, r);
      this.byId.set(r.id, r);
    }
  }

  static async open(store: Store, ids: string[], random: RandomSource): Promise<Accounts> {
    const accounts = new Accounts(store, store.list<AccountRecord>(COLLECTION));
    for (const id of ids) {
      if (accounts.byId.has(id)) continue;
      const record: AccountRecord = {
        id,
        accessKeyId: awsId("AKIA", random),
        secretAccessKey: awsSecret(random),
      };
      await store.put(COLLECTION, id, record);
      accounts.byKey.set(record.accessKeyId, record);
      accounts.byId.set(id, record);
    }
    return accounts;
  }

  byAccessKeyId(accessKeyId: string): AccountRecord | undefined {
    return this.byKey.get(accessKeyId);
  }

  /** An IAM user's access key (any status: the caller decides what an inactive one gets). */
  userKey(accessKeyId: string): UserSigningKey | undefined {
    return userSigningKey(this.store, accessKeyId);
  }

  get(id: string): AccountRecord | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }
}

export function isAccountId(value: string): boolean {
  return /^\d{12}$/.test(value);
}
