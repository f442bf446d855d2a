import type { AwsBackend } from "../../backend.js";
import type { ActionSpec } from "../../service.js";
import { accessKeyActions } from "./access-keys.js";
import { authorizationDetailsActions } from "./authorization-details.js";
import { managedPolicyActions } from "./managed-policies.js";
import { providerActions } from "./providers.js";
import { rolePolicyActions } from "./role-policies.js";
import { roleActions } from "./roles.js";
import { userActions } from "./users.js";

/** Every IAM Query action the emulator answers, one module per kind of entity. */
export const iamActions: Record<string, ActionSpec<AwsBackend>> = {
  ...providerActions,
  ...roleActions,
  ...rolePolicyActions,
  ...managedPolicyActions,
  ...userActions,
  ...accessKeyActions,
  ...authorizationDetailsActions,
};
