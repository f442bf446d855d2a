import { checkConstraints } from "../../errors.js";
import { pathPrefixSpec } from "../constraints.js";
import { roleXml } from "../shapes.js";
import { account, action, pagedList, tagPage, tagsParam } from "./wire.js";

export const roleActions = {
  CreateRole: action(async (ctx) => {
    const p = ctx.params;
    const role = await ctx.backend.iam.roles.create(account(ctx), {
      name: p.required("RoleName"),
      path: p.get("Path"),
      trustPolicy: p.required("AssumeRolePolicyDocument"),
      description: p.get("Description"),
      maxSessionDuration: p.integer("MaxSessionDuration", "maxSessionDuration"),
      permissionsBoundary: p.get("PermissionsBoundary"),
      tags: tagsParam(ctx),
    });
    return [roleXml(role)];
  }),
  GetRole: action(async (ctx) => {
    const iam = ctx.backend.iam;
    const role = iam.roles.get(account(ctx), ctx.params.required("RoleName"));
    return [roleXml(role, { withLastUsed: true, lastUsed: iam.roleLastUsed(account(ctx), role) })];
  }),
  ListRoles: action(async (ctx) => {
    const prefix = ctx.params.get("PathPrefix");
    checkConstraints([pathPrefixSpec(prefix)]);
    const roles = ctx.backend.iam.roles.list(account(ctx), prefix);
    return pagedList(ctx, "Roles", roles, (r) => roleXml(r, { listed: true }).children);
  }),
  DeleteRole: action(async (ctx) => {
    await ctx.backend.iam.roles.delete(account(ctx), ctx.params.required("RoleName"));
    return null;
  }),
  UpdateAssumeRolePolicy: action(async (ctx) => {
    await ctx.backend.iam.roles.updateAssumeRolePolicy(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyDocument"),
    );
    return null;
  }),
  UpdateRole: action(async (ctx) => {
    await ctx.backend.iam.roles.update(account(ctx), ctx.params.required("RoleName"), {
      description: ctx.params.get("Description"),
      maxSessionDuration: ctx.params.integer("MaxSessionDuration", "maxSessionDuration"),
    });
    return [];
  }),
  UpdateRoleDescription: action(async (ctx) => {
    const role = await ctx.backend.iam.roles.update(account(ctx), ctx.params.required("RoleName"), {
      description: ctx.params.required("Description"),
    });
    return [roleXml(role)];
  }),
  PutRolePermissionsBoundary: action(async (ctx) => {
    await ctx.backend.iam.roles.putPermissionsBoundary(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PermissionsBoundary"),
    );
    return null;
  }),
  DeleteRolePermissionsBoundary: action(async (ctx) => {
    await ctx.backend.iam.roles.deletePermissionsBoundary(
      account(ctx),
      ctx.params.required("RoleName"),
    );
    return null;
  }),
  TagRole: action(async (ctx) => {
    await ctx.backend.iam.roles.tag(account(ctx), ctx.params.required("RoleName"), tagsParam(ctx));
    return null;
  }),
  UntagRole: action(async (ctx) => {
    await ctx.backend.iam.roles.untag(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.list("TagKeys"),
    );
    return null;
  }),
  ListRoleTags: action(async (ctx) =>
    tagPage(ctx, ctx.backend.iam.roles.listTags(account(ctx), ctx.params.required("RoleName"))),
  ),
};
