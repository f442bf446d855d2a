import {
  checkConstraints,
  deleteConflict,
  entityAlreadyExists,
  invalidInput,
  limitExceeded,
  noSuchEntity,
} from "../errors.js";
import { awsId } from "../random.js";
import { attachedViews, attaching, detaching } from "./attached-policies.js";
import { arnSpec, pathSpec, userNameSpec } from "./constraints.js";
import { type IamContext, isoNow } from "./context.js";
import { IAM_LIMITS } from "./limits.js";
import { accessKeysOf, findUser, keys, usersOf } from "./lookup.js";
import { COLLECTIONS, type UserStored } from "./records.js";
import { checkedTags, type TagInput, tagging, tagListViolations } from "./tags.js";

export interface CreateUserInput {
  name: string;
  path?: string;
  /** Refused: the emulator keeps no boundaries on users (docs/decisions.md). */
  permissionsBoundary?: string;
  tags?: TagInput[];
}

/**
 * IAM users of each account: name, path, tags, attached managed policies. Their access keys are
 * in access-keys.ts.
 */
export class Users {
  constructor(private readonly ctx: IamContext) {}

  async create(account: string, input: CreateUserInput): Promise<UserStored> {
    return this.ctx.lock.run(account, async () => {
      const path = input.path ?? "/";
      checkConstraints([userNameSpec(input.name), pathSpec(path)], tagListViolations(input.tags));
      if (input.permissionsBoundary !== undefined) {
        throw invalidInput(
          "The emulator does not keep permissions boundaries on IAM users: create the user without PermissionsBoundary (roles accept one).",
        );
      }
      const tags = checkedTags(input.tags);
      if (findUser(this.ctx.store, account, input.name)) {
        throw entityAlreadyExists(`User with name ${input.name} already exists.`);
      }
      if (usersOf(this.ctx.store, account).length >= IAM_LIMITS.usersPerAccount) {
        throw limitExceeded(
          `Cannot exceed quota for UsersPerAccount: ${IAM_LIMITS.usersPerAccount}`,
        );
      }
      const record: UserStored = {
        account,
        name: input.name,
        path,
        userId: awsId("AIDA", this.ctx.random, 21),
        arn: `arn:aws:iam::${account}:user${path}${input.name}`,
        createDate: isoNow(this.ctx),
        tags,
        attachedPolicyArns: [],
      };
      await this.save(record);
      return record;
    });
  }

  get(account: string, name: string): UserStored {
    checkConstraints([userNameSpec(name, { existing: true })]);
    const record = findUser(this.ctx.store, account, name);
    if (!record) throw noSuchEntity(`The user with name ${name} cannot be found.`);
    return record;
  }

  list(account: string, pathPrefix = "/"): UserStored[] {
    return usersOf(this.ctx.store, account).filter((u) => u.path.startsWith(pathPrefix));
  }

  /** Refused while the user has access keys or attached policies, as IAM refuses it. */
  async delete(account: string, name: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      const record = this.get(account, name);
      if (accessKeysOf(this.ctx.store, account, record.name).length > 0) {
        throw deleteConflict("Cannot delete entity, must delete access keys first.");
      }
      if ((record.attachedPolicyArns ?? []).length > 0) {
        throw deleteConflict("Cannot delete entity, must detach all policies first.");
      }
      await this.ctx.store.delete(COLLECTIONS.users, keys.user(account, record.name));
    });
  }

  async attachPolicy(account: string, name: string, policyArn: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([userNameSpec(name, { existing: true }), arnSpec(policyArn, "policyArn")]);
      const user = this.get(account, name);
      const next = attaching(this.ctx.store, account, user.attachedPolicyArns ?? [], policyArn, {
        name: "PoliciesPerUser",
        max: IAM_LIMITS.managedPoliciesPerUser,
      });
      if (next) await this.save({ ...user, attachedPolicyArns: next });
    });
  }

  async detachPolicy(account: string, name: string, policyArn: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([userNameSpec(name, { existing: true }), arnSpec(policyArn, "policyArn")]);
      const user = this.get(account, name);
      await this.save({
        ...user,
        attachedPolicyArns: detaching(user.attachedPolicyArns ?? [], policyArn),
      });
    });
  }

  listAttachedPolicies(account: string, name: string): Array<{ name: string; arn: string }> {
    return attachedViews(this.get(account, name).attachedPolicyArns ?? []);
  }

  /** TagUser, UntagUser, ListUserTags. */
  readonly tags = tagging<UserStored>((account, name) => ({
    lock: this.ctx.lock,
    account,
    specs: [userNameSpec(name, { existing: true })],
    load: () => this.get(account, name),
    save: (r) => this.save(r),
    quota: "TagsPerUser",
  }));

  private async save(record: UserStored): Promise<void> {
    await this.ctx.store.put(COLLECTIONS.users, keys.user(record.account, record.name), record);
  }
}
