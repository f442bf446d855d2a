import type { AwsBackend } from "../backend.js";
import type { AwsService } from "../service.js";
import { cloudFormationState } from "./service-state.js";
import { stackActions } from "./stack-actions.js";
import { stackSetActions } from "./stackset-actions.js";

export const CFN_XMLNS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

export const cloudFormationService: AwsService<AwsBackend> = {
  signingName: "cloudformation",
  namespace: CFN_XMLNS,
  version: "2010-05-15",
  actions: { ...stackActions, ...stackSetActions },
};

/**
 * Gives the emulator's service-managed StackSets their organization: OU ID → member accounts.
 * `startEmulator({ organizations })` calls this; tests may call it on an endpoint's backend.
 */
export async function registerOrganizationalUnits(
  backend: AwsBackend,
  organizations: Readonly<Record<string, readonly string[]>>,
): Promise<void> {
  const state = cloudFormationState(backend);
  await state.ready;
  await state.organizations.register(organizations);
}

export type * from "./records.js";
export { cloudFormationState } from "./service-state.js";
export { CloudFormationState, INTERRUPTED_REASON } from "./state.js";
