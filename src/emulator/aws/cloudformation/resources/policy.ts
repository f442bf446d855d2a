import type { ResourceHandler } from "./types.js";
import { ignoreMissing, policyText, str, strings } from "./types.js";

function rolesOf(props: Record<string, unknown>): string[] {
  if (strings(props.Users).length > 0 || strings(props.Groups).length > 0) {
    throw Object.assign(
      new Error(
        "The emulator keeps inline policies on roles only (it has no groups, and its IAM users take managed policies through the IAM API); give the policy Roles only.",
      ),
      {
        code: "InvalidRequest",
      },
    );
  }
  const roles = strings(props.Roles);
  if (roles.length === 0) {
    throw Object.assign(new Error("At least one of [Groups,Roles,Users] must be non-empty."), {
      code: "InvalidRequest",
    });
  }
  return roles;
}

/**
 * AWS::IAM::Policy: an inline policy put on each named role. Ref is an opaque ID (the reader's),
 * which CloudFormation also generates; nothing in IAM carries it.
 */
export const policyHandler: ResourceHandler = {
  replacementProperties: [],
  async create(ctx, props, predictedId) {
    const name = str(props.PolicyName) ?? "";
    const document = policyText(props.PolicyDocument);
    const done: string[] = [];
    try {
      for (const role of rolesOf(props)) {
        await ctx.iam.putRolePolicy(ctx.account, role, name, document);
        done.push(role);
      }
    } catch (err) {
      for (const role of done)
        await ignoreMissing(ctx.iam.deleteRolePolicy(ctx.account, role, name)).catch(() => {});
      throw err;
    }
    return { physicalId: predictedId ?? `${ctx.logicalId}-policy`, attributes: {} };
  },
  async update(ctx, physicalId, before, after) {
    const oldName = str(before.PolicyName) ?? "";
    const newName = str(after.PolicyName) ?? "";
    const oldRoles = strings(before.Roles);
    const newRoles = rolesOf(after);
    const document = policyText(after.PolicyDocument);
    for (const role of newRoles) await ctx.iam.putRolePolicy(ctx.account, role, newName, document);
    for (const role of oldRoles) {
      if (!newRoles.includes(role) || oldName !== newName) {
        await ignoreMissing(ctx.iam.deleteRolePolicy(ctx.account, role, oldName));
      }
    }
    return { physicalId, attributes: {} };
  },
  async delete(ctx, _physicalId, props) {
    const name = str(props.PolicyName) ?? "";
    for (const role of strings(props.Roles))
      await ignoreMissing(ctx.iam.deleteRolePolicy(ctx.account, role, name));
  },
};
