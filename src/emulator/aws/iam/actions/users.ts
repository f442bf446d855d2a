import { checkConstraints } from "../../errors.js";
import { el } from "../../xml.js";
import { pathPrefixSpec } from "../constraints.js";
import { userCore, userXml } from "../shapes.js";
import {
  account,
  action,
  attachmentActions,
  pagedList,
  tagPage,
  tagsParam,
  userNameOf,
} from "./wire.js";

export const userActions = {
  CreateUser: action(async (ctx) => {
    const p = ctx.params;
    const user = await ctx.backend.iam.users.create(account(ctx), {
      name: p.required("UserName"),
      path: p.get("Path"),
      permissionsBoundary: p.get("PermissionsBoundary"),
      tags: tagsParam(ctx),
    });
    return [userXml(user)];
  }),
  GetUser: action(async (ctx) => {
    const caller = ctx.caller!;
    // The root user asking about itself: IAM answers with the account's root identity.
    if (ctx.params.get("UserName") === undefined && caller.kind === "root") {
      return [el("User", el("UserId", caller.userId), el("Arn", caller.arn))];
    }
    return [userXml(ctx.backend.iam.users.get(account(ctx), userNameOf(ctx)))];
  }),
  ListUsers: action(async (ctx) => {
    const prefix = ctx.params.get("PathPrefix");
    checkConstraints([pathPrefixSpec(prefix)]);
    const users = ctx.backend.iam.users.list(account(ctx), prefix);
    return pagedList(ctx, "Users", users, (u) => userCore(u));
  }),
  DeleteUser: action(async (ctx) => {
    await ctx.backend.iam.users.delete(account(ctx), ctx.params.required("UserName"));
    return null;
  }),
  ...attachmentActions("User", (ctx) => ctx.backend.iam.users),
  TagUser: action(async (ctx) => {
    await ctx.backend.iam.users.tags.tag(
      account(ctx),
      ctx.params.required("UserName"),
      tagsParam(ctx),
    );
    return null;
  }),
  UntagUser: action(async (ctx) => {
    await ctx.backend.iam.users.tags.untag(
      account(ctx),
      ctx.params.required("UserName"),
      ctx.params.list("TagKeys"),
    );
    return null;
  }),
  ListUserTags: action(async (ctx) =>
    tagPage(ctx, ctx.backend.iam.users.tags.list(account(ctx), ctx.params.required("UserName"))),
  ),
};
