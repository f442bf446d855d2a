import type { AwsBackend } from "../backend.js";
import type { ActionContext, ActionSpec } from "../service.js";
import { type CloudFormationState, cloudFormationState } from "./state.js";

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
