import type { ResourceContext, ResourceHandler } from "./types.js";
import { ignoreMissing, num, policyText, sameJson, str, strings, tagList } from "./types.js";

interface InlinePolicy {
  name: string;
  document: string;
}

function inlinePolicies(v: unknown): InlinePolicy[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((p) => p && typeof p === "object")
    .map((p) => ({
      name: str((p as Record<string, unknown>).PolicyName) ?? "",
      document: policyText((p as Record<string, unknown>).PolicyDocument),
    }));
}

async function attachAndPut(ctx: ResourceContext, name: string, props: Record<string, unknown>) {
  for (const arn of strings(props.ManagedPolicyArns))
    await ctx.iam.attachRolePolicy(ctx.account, name, arn);
  for (const p of inlinePolicies(props.Policies)) {
    await ctx.iam.putRolePolicy(ctx.account, name, p.name, p.document);
  }
}

/** IAM refuses to delete a role with policies, so CloudFormation strips them first. */
async function removeRole(ctx: ResourceContext, name: string): Promise<void> {
  let role: ReturnType<typeof ctx.iam.getRole>;
  try {
    role = ctx.iam.getRole(ctx.account, name);
  } catch (err) {
    if ((err as { code?: string }).code === "NoSuchEntity") return;
    throw err;
  }
  for (const p of ctx.iam.listRolePolicies(ctx.account, role.name)) {
    await ignoreMissing(ctx.iam.deleteRolePolicy(ctx.account, role.name, p.policyName));
  }
  for (const arn of role.attachedPolicyArns) {
    await ignoreMissing(ctx.iam.detachRolePolicy(ctx.account, role.name, arn));
  }
  await ignoreMissing(ctx.iam.deleteRole(ctx.account, role.name));
}

/** Keys gone are untagged; new or changed values are tagged (IAM's TagRole overwrites). */
async function updateTags(
  ctx: ResourceContext,
  name: string,
  before: Array<{ key: string; value: string }>,
  after: Array<{ key: string; value: string }>,
): Promise<void> {
  const keep = new Set(after.map((t) => t.key));
  const gone = before.filter((t) => !keep.has(t.key)).map((t) => t.key);
  if (gone.length > 0) await ctx.iam.untagRole(ctx.account, name, gone);
  const was = new Map(before.map((t) => [t.key, t.value]));
  const set = after.filter((t) => was.get(t.key) !== t.value);
  if (set.length > 0) await ctx.iam.tagRole(ctx.account, name, set);
}

function provisioned(ctx: ResourceContext, name: string) {
  const role = ctx.iam.getRole(ctx.account, name);
  return { physicalId: role.name, attributes: { Arn: role.arn, RoleId: role.roleId } };
}

/**
 * AWS::IAM::Role: Ref is the role name. Managed policy ARNs and inline Policies are attached in
 * the same step, as CloudFormation's handler does; the boundary, tags, description and session
 * duration go through IAM's own calls, so IAM's checks apply and GetRole shows them.
 */
export const roleHandler: ResourceHandler = {
  replacementProperties: ["RoleName", "Path"],
  nameProperty: "RoleName",
  async create(ctx, props, predictedId) {
    const name = str(props.RoleName) ?? predictedId ?? ctx.logicalId;
    const input: Parameters<typeof ctx.iam.createRole>[1] = {
      name,
      trustPolicy: policyText(props.AssumeRolePolicyDocument),
      tags: tagList(props.Tags),
    };
    const path = str(props.Path);
    if (path !== undefined) input.path = path;
    const description = str(props.Description);
    if (description !== undefined) input.description = description;
    const duration = num(props.MaxSessionDuration);
    if (duration !== undefined) input.maxSessionDuration = duration;
    const boundary = str(props.PermissionsBoundary);
    if (boundary !== undefined) input.permissionsBoundary = boundary;
    await ctx.iam.createRole(ctx.account, input);
    try {
      await attachAndPut(ctx, name, props);
    } catch (err) {
      // The resource fails as a whole: leave nothing half-made behind.
      await removeRole(ctx, name).catch(() => {});
      throw err;
    }
    return provisioned(ctx, name);
  },
  async update(ctx, name, before, after) {
    const trust = policyText(after.AssumeRolePolicyDocument);
    if (!sameJson(before.AssumeRolePolicyDocument, after.AssumeRolePolicyDocument)) {
      await ctx.iam.updateAssumeRolePolicy(ctx.account, name, trust);
    }
    if (
      before.Description !== after.Description ||
      before.MaxSessionDuration !== after.MaxSessionDuration
    ) {
      const input: { description?: string; maxSessionDuration?: number } = {};
      input.description = str(after.Description) ?? "";
      input.maxSessionDuration = num(after.MaxSessionDuration) ?? 3600;
      await ctx.iam.updateRole(ctx.account, name, input);
    }
    const oldBoundary = str(before.PermissionsBoundary);
    const newBoundary = str(after.PermissionsBoundary);
    if (newBoundary !== oldBoundary) {
      if (newBoundary !== undefined)
        await ctx.iam.putRolePermissionsBoundary(ctx.account, name, newBoundary);
      else await ignoreMissing(ctx.iam.deleteRolePermissionsBoundary(ctx.account, name));
    }
    await updateTags(ctx, name, tagList(before.Tags), tagList(after.Tags));
    const oldArns = strings(before.ManagedPolicyArns);
    const newArns = strings(after.ManagedPolicyArns);
    for (const arn of newArns)
      if (!oldArns.includes(arn)) await ctx.iam.attachRolePolicy(ctx.account, name, arn);
    for (const arn of oldArns) {
      if (!newArns.includes(arn))
        await ignoreMissing(ctx.iam.detachRolePolicy(ctx.account, name, arn));
    }
    const oldInline = inlinePolicies(before.Policies);
    const newInline = inlinePolicies(after.Policies);
    for (const p of newInline) {
      const was = oldInline.find((o) => o.name === p.name);
      if (!was || was.document !== p.document)
        await ctx.iam.putRolePolicy(ctx.account, name, p.name, p.document);
    }
    for (const p of oldInline) {
      if (!newInline.some((n) => n.name === p.name)) {
        await ignoreMissing(ctx.iam.deleteRolePolicy(ctx.account, name, p.name));
      }
    }
    return provisioned(ctx, name);
  },
  async delete(ctx, name) {
    await removeRole(ctx, name);
  },
};
