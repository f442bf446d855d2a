import { checkConstraints, invalidInput, limitExceeded, noSuchEntity } from "../errors.js";
import { awsId, awsSecret } from "../random.js";
import { accessKeyIdSpec, enumViolations, userNameSpec } from "./constraints.js";
import { type IamContext, isoNow } from "./context.js";
import { IAM_LIMITS } from "./limits.js";
import { accessKeysOf, keys } from "./lookup.js";
import { type AccessKeyStored, COLLECTIONS } from "./records.js";
import type { Users } from "./users.js";

/** The statuses IAM's model names (statusType); only the first two can be set. */
const STATUSES = ["Active", "Inactive", "Expired"] as const;

/**
 * Users' long-term access keys: at most two per user, active or not (AccessKeysPerUser). The
 * secret is returned once, by create; a key signs requests while it is Active
 * (src/emulator/aws/authenticate.ts).
 */
export class AccessKeys {
  constructor(
    private readonly ctx: IamContext,
    private readonly users: Users,
  ) {}

  async create(account: string, userName: string): Promise<AccessKeyStored> {
    return this.ctx.lock.run(account, async () => {
      const user = this.users.get(account, userName);
      if (accessKeysOf(this.ctx.store, account, user.name).length >= IAM_LIMITS.accessKeysPerUser) {
        throw limitExceeded(
          `Cannot exceed quota for AccessKeysPerUser: ${IAM_LIMITS.accessKeysPerUser}`,
        );
      }
      const record: AccessKeyStored = {
        account,
        userName: user.name,
        accessKeyId: awsId("AKIA", this.ctx.random),
        secretAccessKey: awsSecret(this.ctx.random),
        status: "Active",
        createDate: isoNow(this.ctx),
      };
      await this.save(record);
      return record;
    });
  }

  list(account: string, userName: string): AccessKeyStored[] {
    const user = this.users.get(account, userName);
    return accessKeysOf(this.ctx.store, account, user.name);
  }

  async update(
    account: string,
    userName: string,
    accessKeyId: string,
    status: string | undefined,
  ): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints(
        [
          userNameSpec(userName, { existing: true }),
          accessKeyIdSpec(accessKeyId),
          { name: "status", value: status, required: true },
        ],
        enumViolations("status", status, STATUSES),
      );
      if (status !== "Active" && status !== "Inactive") {
        throw invalidInput(
          `Status ${status} cannot be set: an access key is made Active or Inactive (IAM sets Expired itself).`,
        );
      }
      const record = this.find(account, userName, accessKeyId);
      if (record.status !== status) await this.save({ ...record, status });
    });
  }

  async delete(account: string, userName: string, accessKeyId: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([accessKeyIdSpec(accessKeyId)]);
      const record = this.find(account, userName, accessKeyId);
      await this.ctx.store.delete(COLLECTIONS.accessKeys, keys.accessKey(record.accessKeyId));
    });
  }

  /** The user's key with this ID; another user's key is as unknown as a key that never was. */
  private find(account: string, userName: string, accessKeyId: string): AccessKeyStored {
    const user = this.users.get(account, userName);
    const record = this.ctx.store.get<AccessKeyStored>(
      COLLECTIONS.accessKeys,
      keys.accessKey(accessKeyId),
    );
    if (
      !record ||
      record.account !== account ||
      record.userName.toLowerCase() !== user.name.toLowerCase()
    ) {
      throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
    }
    return record;
  }

  private save(record: AccessKeyStored): Promise<void> {
    return this.ctx.store.put(COLLECTIONS.accessKeys, keys.accessKey(record.accessKeyId), record);
  }
}
