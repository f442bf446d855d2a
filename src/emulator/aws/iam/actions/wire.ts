import type { AwsBackend } from "../../backend.js";
import { AwsError, checkConstraints, invalidInput, missingParameter } from "../../errors.js";
import type { ActionContext, ActionSpec } from "../../service.js";
import { el, memberList, type XmlChild, type XmlInput } from "../../xml.js";
import { pagingSpecs } from "../constraints.js";
import { page } from "../paging.js";
import type { TagRecord } from "../records.js";
import { attachedXml, pageTail, tagsXml } from "../shapes.js";
import type { TagInput } from "../tags.js";

/** What every IAM action handler uses to read its request. */

export type Ctx = ActionContext<AwsBackend>;

export const action = (handler: ActionSpec<AwsBackend>["handler"]): ActionSpec<AwsBackend> => ({
  handler,
});

/** IAM acts on the caller's own account. */
export function account(ctx: Ctx): string {
  return ctx.caller!.account;
}

/** `Tags.member.N.Key/Value`; a missing half stays missing, for the validation to name it. */
export function tagsParam(ctx: Ctx): TagInput[] | undefined {
  return ctx.params.structList("Tags")?.map((t) => {
    const tag: TagInput = {};
    if (t.Key !== undefined) tag.key = t.Key;
    if (t.Value !== undefined) tag.value = t.Value;
    return tag;
  });
}

export function requiredList(ctx: Ctx, name: string): string[] {
  const list = ctx.params.list(name);
  if (list === undefined) throw missingParameter(name);
  return list;
}

/** Marker and MaxItems, checked against the model. */
export function paging(ctx: Ctx): { marker?: string; maxItems?: number } {
  const out: { marker?: string; maxItems?: number } = {};
  const marker = ctx.params.get("Marker");
  const maxItems = ctx.params.integer("MaxItems", "maxItems");
  if (marker !== undefined) out.marker = marker;
  if (maxItems !== undefined) out.maxItems = maxItems;
  checkConstraints(pagingSpecs(out));
  return out;
}

/** One page of a list, as `<Name><member>…</member></Name>` then IsTruncated/Marker. */
export function pagedList<T>(
  ctx: Ctx,
  name: string,
  items: readonly T[],
  member: (item: T) => XmlInput,
): XmlChild[] {
  const p = page(items, paging(ctx));
  return [memberList(name, p.page.map(member)), ...pageTail(p.marker)];
}

/** List*Tags: the tags one page at a time. */
export function tagPage(ctx: Ctx, tags: readonly TagRecord[]): XmlChild[] {
  const p = page(tags, paging(ctx));
  return [tagsXml(p.page) ?? el("Tags"), ...pageTail(p.marker)];
}

/**
 * `UserName`, or, when it is absent, the user whose key signed the request (IAM resolves it from
 * the access key). A role session must name the user; the root user's own keys are the
 * account's admin key, which IAM here does not manage (docs/decisions.md).
 */
export function userNameOf(ctx: Ctx): string {
  const given = ctx.params.get("UserName");
  if (given !== undefined) return given;
  const caller = ctx.caller!;
  if (caller.kind === "user") return caller.userName;
  if (caller.kind === "session") {
    throw new AwsError(
      "ValidationError",
      400,
      "Must specify userName when calling with non-User credentials",
    );
  }
  throw invalidInput(
    `The root user's access key is the account's admin key, which the emulator does not create, change or delete: give UserName to act on an IAM user's keys.`,
  );
}

/** What an entity kind that takes managed policies (roles, users) offers the wire. */
interface PolicyHolders {
  attachPolicy(account: string, name: string, policyArn: string): Promise<void>;
  detachPolicy(account: string, name: string, policyArn: string): Promise<void>;
  listAttachedPolicies(account: string, name: string): Array<{ name: string; arn: string }>;
}

/** Attach<Kind>Policy, Detach<Kind>Policy and ListAttached<Kind>Policies, keyed by `<Kind>Name`. */
export function attachmentActions(kind: "Role" | "User", holders: (ctx: Ctx) => PolicyHolders) {
  const name = `${kind}Name`;
  return {
    [`Attach${kind}Policy`]: action(async (ctx) => {
      await holders(ctx).attachPolicy(
        account(ctx),
        ctx.params.required(name),
        ctx.params.required("PolicyArn"),
      );
      return null;
    }),
    [`Detach${kind}Policy`]: action(async (ctx) => {
      await holders(ctx).detachPolicy(
        account(ctx),
        ctx.params.required(name),
        ctx.params.required("PolicyArn"),
      );
      return null;
    }),
    [`ListAttached${kind}Policies`]: action(async (ctx) => {
      const attached = holders(ctx).listAttachedPolicies(account(ctx), ctx.params.required(name));
      return pagedList(ctx, "AttachedPolicies", attached, attachedXml);
    }),
  };
}
