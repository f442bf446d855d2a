import {
  AwsError,
  checkConstraints,
  deleteConflict,
  entityAlreadyExists,
  invalidInput,
  limitExceeded,
  noSuchEntity,
} from "../errors.js";
import { awsId } from "../random.js";
import { awsManagedPolicy, awsManagedPolicyArns } from "./aws-managed.js";
import { arnSpec, IAM_PATTERNS, policyDocumentSpec, policyNameSpec } from "./constraints.js";
import { type IamContext, isoNow } from "./context.js";
import { IAM_LIMITS } from "./limits.js";
import { customerPoliciesOf, findCustomerPolicy, keys, rolesOf, usersOf } from "./lookup.js";
import { checkManagedPolicyDocument } from "./policy-documents.js";
import { awsPolicyView, customerPolicyView, versionsOf } from "./policy-views.js";
import {
  COLLECTIONS,
  type ManagedPolicyStored,
  type ManagedPolicyView,
  type RoleStored,
  type TagRecord,
  type UserStored,
} from "./records.js";
import {
  addTags,
  checkedTags,
  dropTags,
  type TagInput,
  type TagTarget,
  tagListViolations,
} from "./tags.js";

export interface CreatePolicyInput {
  name: string;
  path?: string;
  document: string;
  description?: string;
  tags?: TagInput[];
}

export type PolicyUsage = "PermissionsPolicy" | "PermissionsBoundary";

/** Customer managed policies of each account, and AWS managed ones as every account sees them. */
export class ManagedPolicies {
  constructor(private readonly ctx: IamContext) {}

  async create(account: string, input: CreatePolicyInput): Promise<ManagedPolicyView> {
    return this.ctx.lock.run(account, async () => {
      const path = input.path ?? "/";
      checkConstraints(
        [
          policyNameSpec(input.name),
          {
            name: "path",
            value: path,
            minLength: 1,
            maxLength: 512,
            pattern: IAM_PATTERNS.policyPath,
          },
          policyDocumentSpec(input.document),
          { name: "description", value: input.description, maxLength: 1000 },
        ],
        tagListViolations(input.tags),
      );
      const tags = checkedTags(input.tags);
      if (this.ctx.store.get(COLLECTIONS.policies, keys.policy(account, input.name))) {
        throw entityAlreadyExists(
          `A policy called ${input.name} already exists. Duplicate names are not allowed.`,
        );
      }
      if (
        customerPoliciesOf(this.ctx.store, account).length >= IAM_LIMITS.customerPoliciesPerAccount
      ) {
        throw limitExceeded(
          `Cannot exceed quota for PoliciesPerAccount: ${IAM_LIMITS.customerPoliciesPerAccount}`,
        );
      }
      checkManagedPolicyDocument(input.document);
      const now = isoNow(this.ctx);
      const record: ManagedPolicyStored = {
        account,
        name: input.name,
        path,
        policyId: awsId("ANPA", this.ctx.random, 21),
        arn: `arn:aws:iam::${account}:policy${path}${input.name}`,
        document: input.document,
        createDate: now,
        updateDate: now,
        tags,
        defaultVersionId: "v1",
        versions: [{ versionId: "v1", document: input.document, createDate: now }],
        nextVersion: 2,
      };
      if (input.description !== undefined) record.description = input.description;
      await this.save(record);
      return customerPolicyView(this.ctx.store, record);
    });
  }

  /** A customer managed policy of this account, or an AWS managed one. */
  get(account: string, arn: string): ManagedPolicyView {
    checkConstraints([arnSpec(arn, "policyArn")]);
    const aws = awsManagedPolicy(arn);
    if (aws) return awsPolicyView(this.ctx.store, account, arn, aws);
    return customerPolicyView(this.ctx.store, this.customer(account, arn));
  }

  /** The stored customer policy; NoSuchEntity in IAM's words when there is none. */
  customer(account: string, arn: string): ManagedPolicyStored {
    const record = findCustomerPolicy(this.ctx.store, account, arn);
    if (!record) throw noSuchEntity(`Policy ${arn} was not found.`);
    return record;
  }

  /** The default version's document of a customer managed policy. */
  documentOf(account: string, arn: string): string | undefined {
    return findCustomerPolicy(this.ctx.store, account, arn)?.document;
  }

  async delete(account: string, arn: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([arnSpec(arn, "policyArn")]);
      if (awsManagedPolicy(arn)) {
        throw new AwsError("UnmodifiableEntity", 400, `Cannot delete AWS managed policy ${arn}.`);
      }
      const record = this.customer(account, arn);
      const view = customerPolicyView(this.ctx.store, record);
      if (view.attachmentCount + view.permissionsBoundaryUsageCount > 0) {
        throw deleteConflict("Cannot delete a policy attached to entities.");
      }
      if (versionsOf(record).versions.length > 1) {
        throw deleteConflict(
          "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        );
      }
      await this.ctx.store.delete(COLLECTIONS.policies, keys.policy(account, record.name));
    });
  }

  list(
    account: string,
    opts: {
      scope?: "All" | "AWS" | "Local";
      onlyAttached?: boolean;
      pathPrefix?: string;
      usage?: PolicyUsage;
    } = {},
  ): ManagedPolicyView[] {
    const scope = opts.scope ?? "All";
    const out: ManagedPolicyView[] = [];
    if (scope !== "Local") {
      for (const arn of awsManagedPolicyArns()) out.push(this.get(account, arn));
    }
    if (scope !== "AWS") {
      for (const r of customerPoliciesOf(this.ctx.store, account)) {
        out.push(customerPolicyView(this.ctx.store, r));
      }
    }
    return out.filter((p) => {
      if (!p.path.startsWith(opts.pathPrefix ?? "/")) return false;
      const used =
        opts.usage === "PermissionsPolicy"
          ? p.attachmentCount
          : opts.usage === "PermissionsBoundary"
            ? p.permissionsBoundaryUsageCount
            : p.attachmentCount + p.permissionsBoundaryUsageCount;
      return !opts.onlyAttached || used > 0;
    });
  }

  /** The account's roles that use a policy, as a permissions policy or boundary or either. */
  rolesUsing(
    account: string,
    arn: string,
    opts: { usage?: PolicyUsage; pathPrefix?: string } = {},
  ): RoleStored[] {
    this.get(account, arn);
    return rolesOf(this.ctx.store, account).filter(
      (r) =>
        r.path.startsWith(opts.pathPrefix ?? "/") &&
        ((opts.usage !== "PermissionsBoundary" && r.attachedPolicyArns.includes(arn)) ||
          (opts.usage !== "PermissionsPolicy" && r.permissionsBoundary === arn)),
    );
  }

  /** The account's users that attach a policy (users take no boundary here). */
  usersUsing(
    account: string,
    arn: string,
    opts: { usage?: PolicyUsage; pathPrefix?: string } = {},
  ): UserStored[] {
    this.get(account, arn);
    if (opts.usage === "PermissionsBoundary") return [];
    return usersOf(this.ctx.store, account).filter(
      (u) => u.path.startsWith(opts.pathPrefix ?? "/") && u.attachedPolicyArns?.includes(arn),
    );
  }

  tag(account: string, arn: string, tags: TagInput[] | undefined): Promise<void> {
    return addTags(this.tagTarget(account, arn), tags);
  }

  untag(account: string, arn: string, tagKeys: string[] | undefined): Promise<void> {
    return dropTags(this.tagTarget(account, arn), tagKeys);
  }

  listTags(account: string, arn: string): TagRecord[] {
    return this.get(account, arn).tags;
  }

  async save(record: ManagedPolicyStored): Promise<void> {
    await this.ctx.store.put(
      COLLECTIONS.policies,
      keys.policy(record.account, record.name),
      record,
    );
  }

  private tagTarget(account: string, arn: string): TagTarget<ManagedPolicyStored> {
    return {
      lock: this.ctx.lock,
      account,
      specs: [arnSpec(arn, "policyArn")],
      load: () => {
        if (awsManagedPolicy(arn)) {
          throw invalidInput(
            `Cannot tag AWS managed policy ${arn}: only customer managed policies have tags.`,
          );
        }
        return this.customer(account, arn);
      },
      save: (r) => this.save(r),
      quota: "TagsPerPolicy",
    };
  }
}
