import { el, memberList } from "../../xml.js";
import { providerXml, tagsXml } from "../shapes.js";
import { account, action, requiredList, tagPage, tagsParam } from "./wire.js";

const arnParam = "OpenIDConnectProviderArn";

export const providerActions = {
  CreateOpenIDConnectProvider: action(async (ctx) => {
    const p = ctx.params;
    const record = await ctx.backend.iam.providers.create(account(ctx), {
      url: p.required("Url"),
      clientIds: p.list("ClientIDList"),
      thumbprints: p.list("ThumbprintList"),
      tags: tagsParam(ctx),
    });
    return [el("OpenIDConnectProviderArn", record.arn), tagsXml(record.tags) ?? el("Tags")];
  }),
  GetOpenIDConnectProvider: action(async (ctx) =>
    providerXml(ctx.backend.iam.providers.get(account(ctx), ctx.params.required(arnParam))),
  ),
  ListOpenIDConnectProviders: action(async (ctx) => [
    memberList(
      "OpenIDConnectProviderList",
      ctx.backend.iam.providers.list(account(ctx)).map((p) => el("Arn", p.arn)),
    ),
  ]),
  DeleteOpenIDConnectProvider: action(async (ctx) => {
    await ctx.backend.iam.providers.delete(account(ctx), ctx.params.required(arnParam));
    return null;
  }),
  UpdateOpenIDConnectProviderThumbprint: action(async (ctx) => {
    await ctx.backend.iam.providers.updateThumbprint(
      account(ctx),
      ctx.params.required(arnParam),
      requiredList(ctx, "ThumbprintList"),
    );
    return null;
  }),
  AddClientIDToOpenIDConnectProvider: action(async (ctx) => {
    await ctx.backend.iam.providers.addClientId(
      account(ctx),
      ctx.params.required(arnParam),
      ctx.params.required("ClientID"),
    );
    return null;
  }),
  RemoveClientIDFromOpenIDConnectProvider: action(async (ctx) => {
    await ctx.backend.iam.providers.removeClientId(
      account(ctx),
      ctx.params.required(arnParam),
      ctx.params.required("ClientID"),
    );
    return null;
  }),
  TagOpenIDConnectProvider: action(async (ctx) => {
    await ctx.backend.iam.providers.tag(
      account(ctx),
      ctx.params.required(arnParam),
      tagsParam(ctx),
    );
    return null;
  }),
  UntagOpenIDConnectProvider: action(async (ctx) => {
    await ctx.backend.iam.providers.untag(
      account(ctx),
      ctx.params.required(arnParam),
      ctx.params.list("TagKeys"),
    );
    return null;
  }),
  ListOpenIDConnectProviderTags: action(async (ctx) =>
    tagPage(ctx, ctx.backend.iam.providers.listTags(account(ctx), ctx.params.required(arnParam))),
  ),
};
