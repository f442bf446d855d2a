import type { AwsBackend } from "../backend.js";
import type { ActionContext, ActionSpec } from "../service.js";
import { memberList, text, type XmlElement, type XmlInput } from "../xml.js";
import { page } from "./request.js";
import { cloudFormationState } from "./service-state.js";
import type { CloudFormationState } from "./state.js";

/** What every CloudFormation action handler starts from (stacks and StackSets alike). */
export type Ctx = ActionContext<AwsBackend>;

/** The emulator's CloudFormation state, once it has been loaded from the store. */
export async function stateOf(ctx: Ctx): Promise<CloudFormationState> {
  const state = cloudFormationState(ctx.backend);
  await state.ready;
  return state;
}

/** CloudFormation calls are always signed, so there is a caller. */
export const account = (ctx: Ctx): string => ctx.caller!.account;

export const action = (handler: ActionSpec<AwsBackend>["handler"]): ActionSpec<AwsBackend> => ({
  handler,
});

/** A `List…`/`Describe…` answer: one page of `all` as a member list, and `NextToken` if more. */
export function pagedList<T>(
  ctx: Ctx,
  name: string,
  all: T[],
  toXml: (item: T) => XmlInput,
  size = 100,
): XmlElement[] {
  const { items, next } = page(all, ctx.params.get("NextToken"), size);
  const out = [
    memberList(
      name,
      items.map((i) => toXml(i)),
    ),
  ];
  const token = text("NextToken", next);
  if (token) out.push(token);
  return out;
}
