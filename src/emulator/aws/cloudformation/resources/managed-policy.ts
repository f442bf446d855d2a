import type { ResourceContext, ResourceHandler } from "./types.js";
import { ignoreMissing, policyText, sameJson, str, strings, tagList } from "./types.js";

function onlyRoles(props: Record<string, unknown>): string[] {
  if (strings(props.Users).length > 0 || strings(props.Groups).length > 0) {
    throw Object.assign(
      new Error(
        "The emulator's CloudFormation attaches managed policies to roles only (it has no groups; attach a policy to an IAM user with the IAM API's AttachUserPolicy); give the policy Roles only.",
      ),
      {
        code: "InvalidRequest",
      },
    );
  }
  return strings(props.Roles);
}

function provisioned(ctx: ResourceContext, arn: string) {
  const p = ctx.iam.getPolicy(ctx.account, arn);
  return {
    physicalId: p.arn,
    attributes: {
      PolicyArn: p.arn,
      PolicyName: p.name,
      PolicyId: p.policyId,
      Path: p.path,
      DefaultVersionId: "v1",
    },
  };
}

function attachedRoles(ctx: ResourceContext, arn: string): string[] {
  return ctx.iam
    .listRoles(ctx.account)
    .filter((r) => r.attachedPolicyArns.includes(arn))
    .map((r) => r.name);
}

async function createPolicy(ctx: ResourceContext, props: Record<string, unknown>, name: string) {
  const input: Parameters<typeof ctx.iam.createPolicy>[1] = {
    name,
    document: policyText(props.PolicyDocument),
    tags: tagList(props.Tags),
  };
  const path = str(props.Path);
  if (path !== undefined) input.path = path;
  const description = str(props.Description);
  if (description !== undefined) input.description = description;
  return ctx.iam.createPolicy(ctx.account, input);
}

/**
 * AWS::IAM::ManagedPolicy: Ref is the policy ARN. The emulator's IAM keeps one document per policy
 * (no versions), so a new PolicyDocument is applied by detaching, re-creating under the same name
 * and ARN, and re-attaching; the PolicyId changes where AWS would add a version.
 */
export const managedPolicyHandler: ResourceHandler = {
  replacementProperties: ["ManagedPolicyName", "Path", "Description"],
  nameProperty: "ManagedPolicyName",
  async create(ctx, props, predictedId) {
    const roles = onlyRoles(props);
    const name =
      str(props.ManagedPolicyName) ??
      (predictedId ? predictedId.slice(predictedId.lastIndexOf("/") + 1) : ctx.logicalId);
    const view = await createPolicy(ctx, props, name);
    try {
      for (const role of roles) await ctx.iam.attachRolePolicy(ctx.account, role, view.arn);
    } catch (err) {
      await removePolicy(ctx, view.arn).catch(() => {});
      throw err;
    }
    return provisioned(ctx, view.arn);
  },
  async update(ctx, arn, before, after) {
    const roles = onlyRoles(after);
    if (!sameJson(before.PolicyDocument, after.PolicyDocument)) {
      const old = ctx.iam.getPolicy(ctx.account, arn);
      const attached = attachedRoles(ctx, arn);
      for (const r of attached) await ctx.iam.detachRolePolicy(ctx.account, r, arn);
      await ctx.iam.deletePolicy(ctx.account, arn);
      try {
        await createPolicy(ctx, after, old.name);
      } catch (err) {
        // Put the old document back, so a refused document leaves the policy as it was.
        await createPolicy(ctx, before, old.name);
        for (const r of attached) await ctx.iam.attachRolePolicy(ctx.account, r, arn);
        throw err;
      }
      // Every attachment comes back (also those made by other roles' ManagedPolicyArns).
      for (const r of attached) await ctx.iam.attachRolePolicy(ctx.account, r, arn);
    }
    const oldRoles = strings(before.Roles);
    for (const r of roles)
      if (!oldRoles.includes(r)) await ctx.iam.attachRolePolicy(ctx.account, r, arn);
    for (const r of oldRoles) {
      if (!roles.includes(r)) await ignoreMissing(ctx.iam.detachRolePolicy(ctx.account, r, arn));
    }
    return provisioned(ctx, arn);
  },
  async delete(ctx, arn) {
    await removePolicy(ctx, arn);
  },
};

async function removePolicy(ctx: ResourceContext, arn: string): Promise<void> {
  for (const r of attachedRoles(ctx, arn))
    await ignoreMissing(ctx.iam.detachRolePolicy(ctx.account, r, arn));
  await ignoreMissing(ctx.iam.deletePolicy(ctx.account, arn));
}
