import {
  checkConstraints,
  deleteConflict,
  entityAlreadyExists,
  limitExceeded,
  noSuchEntity,
} from "../errors.js";
import { awsId } from "../random.js";
import { attachedViews, attaching, detaching } from "./attached-policies.js";
import {
  arnSpec,
  maxSessionDurationSpec,
  pathSpec,
  policyDocumentSpec,
  roleDescriptionSpec,
  roleNameSpec,
} from "./constraints.js";
import { type IamContext, isoNow } from "./context.js";
import { IAM_LIMITS } from "./limits.js";
import { findRole, inlinePoliciesOf, keys, managedPolicyExists, rolesOf } from "./lookup.js";
import { COLLECTIONS, type RoleStored, type TagRecord } from "./records.js";
import type { RoleLastUsedLog } from "./role-last-used.js";
import {
  addTags,
  checkedTags,
  dropTags,
  type TagInput,
  type TagTarget,
  tagListViolations,
} from "./tags.js";
import type { TrustPolicies } from "./trust-policies.js";

export interface CreateRoleInput {
  name: string;
  path?: string;
  trustPolicy: string;
  description?: string;
  maxSessionDuration?: number;
  /** ARN of a managed policy. */
  permissionsBoundary?: string;
  tags?: TagInput[];
}

/** IAM roles of each account: trust policy, settings, boundary, attached policies, tags. */
export class Roles {
  constructor(
    private readonly ctx: IamContext,
    private readonly trust: TrustPolicies,
    private readonly lastUsed: RoleLastUsedLog,
  ) {}

  async create(account: string, input: CreateRoleInput): Promise<RoleStored> {
    return this.ctx.lock.run(account, async () => {
      const path = input.path ?? "/";
      checkConstraints(
        [
          roleNameSpec(input.name),
          pathSpec(path),
          policyDocumentSpec(input.trustPolicy, "assumeRolePolicyDocument"),
          roleDescriptionSpec(input.description),
          maxSessionDurationSpec(input.maxSessionDuration),
          arnSpec(input.permissionsBoundary, "permissionsBoundary", false),
        ],
        tagListViolations(input.tags),
      );
      const tags = checkedTags(input.tags);
      if (findRole(this.ctx.store, account, input.name)) {
        throw entityAlreadyExists(`Role with name ${input.name} already exists.`);
      }
      if (rolesOf(this.ctx.store, account).length >= IAM_LIMITS.rolesPerAccount) {
        throw limitExceeded(
          `Cannot exceed quota for RolesPerAccount: ${IAM_LIMITS.rolesPerAccount}`,
        );
      }
      const arn = `arn:aws:iam::${account}:role${path}${input.name}`;
      this.trust.check(arn, input.trustPolicy);
      if (input.permissionsBoundary !== undefined)
        this.checkBoundary(account, input.permissionsBoundary);
      const record: RoleStored = {
        account,
        name: input.name,
        path,
        roleId: awsId("AROA", this.ctx.random, 21),
        arn,
        trustPolicy: input.trustPolicy,
        maxSessionDuration: input.maxSessionDuration ?? 3600,
        createDate: isoNow(this.ctx),
        attachedPolicyArns: [],
        tags,
      };
      if (input.description) record.description = input.description;
      if (input.permissionsBoundary !== undefined)
        record.permissionsBoundary = input.permissionsBoundary;
      await this.save(record);
      return record;
    });
  }

  get(account: string, name: string): RoleStored {
    checkConstraints([roleNameSpec(name)]);
    const record = findRole(this.ctx.store, account, name);
    if (!record) throw noSuchEntity(`The role with name ${name} cannot be found.`);
    return record;
  }

  list(account: string, pathPrefix = "/"): RoleStored[] {
    return rolesOf(this.ctx.store, account).filter((r) => r.path.startsWith(pathPrefix));
  }

  async delete(account: string, name: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      const record = this.get(account, name);
      if (record.attachedPolicyArns.length > 0) {
        throw deleteConflict("Cannot delete entity, must detach all policies first.");
      }
      if (inlinePoliciesOf(this.ctx.store, account, name).length > 0) {
        throw deleteConflict("Cannot delete entity, must delete policies first.");
      }
      await this.ctx.store.delete(COLLECTIONS.roles, keys.role(account, record.name));
      this.trust.forget(record.arn);
      await this.lastUsed.forget(account, record.name);
    });
  }

  async updateAssumeRolePolicy(account: string, name: string, trustPolicy: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([roleNameSpec(name), policyDocumentSpec(trustPolicy)]);
      const record = this.get(account, name);
      this.trust.check(record.arn, trustPolicy);
      await this.save({ ...record, trustPolicy });
    });
  }

  async update(
    account: string,
    name: string,
    input: { description?: string; maxSessionDuration?: number },
  ): Promise<RoleStored> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([
        roleNameSpec(name),
        roleDescriptionSpec(input.description),
        maxSessionDurationSpec(input.maxSessionDuration),
      ]);
      const next = { ...this.get(account, name) };
      if (input.description === "") delete next.description;
      else if (input.description !== undefined) next.description = input.description;
      if (input.maxSessionDuration !== undefined)
        next.maxSessionDuration = input.maxSessionDuration;
      await this.save(next);
      return next;
    });
  }

  async putPermissionsBoundary(account: string, name: string, policyArn: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([roleNameSpec(name), arnSpec(policyArn, "permissionsBoundary")]);
      const record = this.get(account, name);
      this.checkBoundary(account, policyArn);
      await this.save({ ...record, permissionsBoundary: policyArn });
    });
  }

  /** Succeeds also when the role has no boundary. [U] docs/decisions.md */
  async deletePermissionsBoundary(account: string, name: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      const record = this.get(account, name);
      if (record.permissionsBoundary === undefined) return;
      const { permissionsBoundary: _, ...rest } = record;
      await this.save(rest);
    });
  }

  async attachPolicy(account: string, roleName: string, policyArn: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([roleNameSpec(roleName), arnSpec(policyArn, "policyArn")]);
      const role = this.get(account, roleName);
      const next = attaching(this.ctx.store, account, role.attachedPolicyArns, policyArn, {
        name: "PoliciesPerRole",
        max: IAM_LIMITS.managedPoliciesPerRole,
      });
      if (next) await this.save({ ...role, attachedPolicyArns: next });
    });
  }

  async detachPolicy(account: string, roleName: string, policyArn: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([roleNameSpec(roleName), arnSpec(policyArn, "policyArn")]);
      const role = this.get(account, roleName);
      await this.save({
        ...role,
        attachedPolicyArns: detaching(role.attachedPolicyArns, policyArn),
      });
    });
  }

  listAttachedPolicies(account: string, roleName: string): Array<{ name: string; arn: string }> {
    return attachedViews(this.get(account, roleName).attachedPolicyArns);
  }

  tag(account: string, name: string, tags: TagInput[] | undefined): Promise<void> {
    return addTags(this.tagTarget(account, name), tags);
  }

  untag(account: string, name: string, tagKeys: string[] | undefined): Promise<void> {
    return dropTags(this.tagTarget(account, name), tagKeys);
  }

  listTags(account: string, name: string): TagRecord[] {
    return this.get(account, name).tags;
  }

  private tagTarget(account: string, name: string): TagTarget<RoleStored> {
    return {
      lock: this.ctx.lock,
      account,
      specs: [roleNameSpec(name)],
      load: () => this.get(account, name),
      save: (r) => this.save(r),
      quota: "TagsPerRole",
    };
  }

  private checkBoundary(account: string, policyArn: string): void {
    if (!managedPolicyExists(this.ctx.store, account, policyArn)) {
      throw noSuchEntity(`Scope ARN: ${policyArn} does not exist or is not attachable.`);
    }
  }

  private async save(record: RoleStored): Promise<void> {
    await this.ctx.store.put(COLLECTIONS.roles, keys.role(record.account, record.name), record);
  }
}
