import { checkConstraints, deleteConflict, limitExceeded, noSuchEntity } from "../errors.js";
import { awsManagedPolicy } from "./aws-managed.js";
import { arnSpec, policyDocumentSpec, versionIdSpec } from "./constraints.js";
import { type IamContext, isoNow } from "./context.js";
import { IAM_LIMITS } from "./limits.js";
import type { ManagedPolicies } from "./managed-policies.js";
import { checkManagedPolicyDocument } from "./policy-documents.js";
import { awsVersionViews, versionsOf, versionViews } from "./policy-views.js";
import type { ManagedPolicyStored, PolicyVersionView } from "./records.js";

/**
 * Versions of managed policies: at most five, one of them the default (the one in effect); the
 * default cannot be deleted, and version numbers are never reused. docs/aws-behaviour.md.
 */
export class PolicyVersions {
  constructor(
    private readonly ctx: IamContext,
    private readonly policies: ManagedPolicies,
  ) {}

  async create(
    account: string,
    arn: string,
    document: string,
    setAsDefault: boolean,
  ): Promise<PolicyVersionView> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([arnSpec(arn, "policyArn"), policyDocumentSpec(document)]);
      const record = this.policies.customer(account, arn);
      const { versions, defaultVersionId, nextVersion } = versionsOf(record);
      checkManagedPolicyDocument(document);
      if (versions.length >= IAM_LIMITS.versionsPerPolicy) {
        throw limitExceeded(
          `A managed policy can have up to ${IAM_LIMITS.versionsPerPolicy} versions. Before you create a new version, you must delete an existing version.`,
        );
      }
      const now = isoNow(this.ctx);
      const version = { versionId: `v${nextVersion}`, document, createDate: now };
      const next: ManagedPolicyStored = {
        ...record,
        versions: [...versions, version],
        defaultVersionId: setAsDefault ? version.versionId : defaultVersionId,
        nextVersion: nextVersion + 1,
      };
      if (setAsDefault) {
        next.document = document;
        next.updateDate = now;
      }
      await this.policies.save(next);
      return { ...version, isDefault: setAsDefault };
    });
  }

  get(account: string, arn: string, versionId: string): PolicyVersionView {
    checkConstraints([arnSpec(arn, "policyArn"), versionIdSpec(versionId)]);
    const found = this.all(account, arn).find((v) => v.versionId === versionId);
    if (!found) throw notFound(arn, versionId);
    return found;
  }

  /** Newest first, as IAM lists them. */
  list(account: string, arn: string): PolicyVersionView[] {
    checkConstraints([arnSpec(arn, "policyArn")]);
    return this.all(account, arn).sort(
      (a, b) => versionNumber(b.versionId) - versionNumber(a.versionId),
    );
  }

  async delete(account: string, arn: string, versionId: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([arnSpec(arn, "policyArn"), versionIdSpec(versionId)]);
      const record = this.policies.customer(account, arn);
      const { versions, defaultVersionId, nextVersion } = versionsOf(record);
      if (!versions.some((v) => v.versionId === versionId)) throw notFound(arn, versionId);
      if (versionId === defaultVersionId) {
        throw deleteConflict("Cannot delete the default version of a policy.");
      }
      await this.policies.save({
        ...record,
        versions: versions.filter((v) => v.versionId !== versionId),
        defaultVersionId,
        nextVersion,
      });
    });
  }

  async setDefault(account: string, arn: string, versionId: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([arnSpec(arn, "policyArn"), versionIdSpec(versionId)]);
      const record = this.policies.customer(account, arn);
      const { versions, nextVersion } = versionsOf(record);
      const version = versions.find((v) => v.versionId === versionId);
      if (!version) throw notFound(arn, versionId);
      await this.policies.save({
        ...record,
        versions,
        defaultVersionId: versionId,
        nextVersion,
        document: version.document,
        updateDate: isoNow(this.ctx),
      });
    });
  }

  /** Every version of a customer or AWS managed policy. */
  all(account: string, arn: string): PolicyVersionView[] {
    const aws = awsManagedPolicy(arn);
    if (aws) return awsVersionViews(aws);
    return versionViews(this.policies.customer(account, arn));
  }
}

function notFound(arn: string, versionId: string) {
  return noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
}

function versionNumber(id: string): number {
  return Number.parseInt(id.slice(1), 10);
}
