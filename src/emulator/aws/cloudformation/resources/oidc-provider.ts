import type { ResourceHandler } from "./types.js";
import { ignoreMissing, strings, tagList } from "./types.js";

/** AWS::IAM::OIDCProvider: Ref and Arn are the provider ARN; a new Url is a new provider. */
export const oidcProviderHandler: ResourceHandler = {
  replacementProperties: ["Url"],
  async create(ctx, props) {
    const input: Parameters<typeof ctx.iam.createOpenIdConnectProvider>[1] = {
      url: String(props.Url ?? ""),
      clientIds: strings(props.ClientIdList),
      tags: tagList(props.Tags),
    };
    if (props.ThumbprintList !== undefined) input.thumbprints = strings(props.ThumbprintList);
    const record = await ctx.iam.createOpenIdConnectProvider(ctx.account, input);
    return { physicalId: record.arn, attributes: { Arn: record.arn } };
  },
  async update(ctx, arn, before, after) {
    const old = new Set(strings(before.ClientIdList));
    const next = strings(after.ClientIdList);
    // Add first, so the provider never has an empty list in between.
    for (const id of next)
      if (!old.has(id)) await ctx.iam.addClientIdToOpenIdConnectProvider(ctx.account, arn, id);
    for (const id of old) {
      if (!next.includes(id))
        await ctx.iam.removeClientIdFromOpenIdConnectProvider(ctx.account, arn, id);
    }
    const thumbs = strings(after.ThumbprintList);
    if (JSON.stringify(thumbs) !== JSON.stringify(strings(before.ThumbprintList))) {
      await ctx.iam.updateOpenIdConnectProviderThumbprint(ctx.account, arn, thumbs);
    }
    return { physicalId: arn, attributes: { Arn: arn } };
  },
  async delete(ctx, arn) {
    await ignoreMissing(ctx.iam.deleteOpenIdConnectProvider(ctx.account, arn));
  },
};
