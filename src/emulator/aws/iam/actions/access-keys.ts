import { el, memberList } from "../../xml.js";
import { accessKeyXml, pageTail } from "../shapes.js";
import { account, action, pagedList, paging, userNameOf } from "./wire.js";

/** Users' access keys. Without UserName they act on the signing user's own keys. */
export const accessKeyActions = {
  CreateAccessKey: action(async (ctx) => {
    const key = await ctx.backend.iam.accessKeys.create(account(ctx), userNameOf(ctx));
    return [el("AccessKey", accessKeyXml(key, { withSecret: true }))];
  }),
  ListAccessKeys: action(async (ctx) => {
    const caller = ctx.caller!;
    if (ctx.params.get("UserName") === undefined && caller.kind === "root") {
      // The root user's own key: the account's admin key.
      paging(ctx);
      return [
        memberList("AccessKeyMetadata", [
          [el("AccessKeyId", caller.accessKeyId), el("Status", "Active")],
        ]),
        ...pageTail(undefined),
      ];
    }
    const keys = ctx.backend.iam.accessKeys.list(account(ctx), userNameOf(ctx));
    return pagedList(ctx, "AccessKeyMetadata", keys, (k) => accessKeyXml(k));
  }),
  UpdateAccessKey: action(async (ctx) => {
    await ctx.backend.iam.accessKeys.update(
      account(ctx),
      userNameOf(ctx),
      ctx.params.required("AccessKeyId"),
      ctx.params.get("Status"),
    );
    return null;
  }),
  DeleteAccessKey: action(async (ctx) => {
    await ctx.backend.iam.accessKeys.delete(
      account(ctx),
      userNameOf(ctx),
      ctx.params.required("AccessKeyId"),
    );
    return null;
  }),
};
