import { el } from "../../xml.js";
import { encodePolicy } from "../shapes.js";
import { account, action, attachmentActions, pagedList } from "./wire.js";

/** Managed policies attached to roles, and roles' inline policies. */
export const rolePolicyActions = {
  ...attachmentActions("Role", (ctx) => ctx.backend.iam.roles),
  PutRolePolicy: action(async (ctx) => {
    await ctx.backend.iam.rolePolicies.put(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyName"),
      ctx.params.required("PolicyDocument"),
    );
    return null;
  }),
  GetRolePolicy: action(async (ctx) => {
    const r = ctx.backend.iam.rolePolicies.get(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyName"),
    );
    return [
      el("RoleName", r.roleName),
      el("PolicyName", r.policyName),
      el("PolicyDocument", encodePolicy(r.document)),
    ];
  }),
  DeleteRolePolicy: action(async (ctx) => {
    await ctx.backend.iam.rolePolicies.delete(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyName"),
    );
    return null;
  }),
  ListRolePolicies: action(async (ctx) => {
    const iam = ctx.backend.iam;
    const role = iam.roles.get(account(ctx), ctx.params.required("RoleName"));
    const names = iam.rolePolicies.list(account(ctx), role.name).map((p) => p.policyName);
    return pagedList(ctx, "PolicyNames", names, (n) => n);
  }),
};
