/** Deploy: a stack through a change set, or a StackSet to accounts/OUs × regions (AWS SDK v3). */
export type { DeployStackCallbacks, DeployStackOptions } from "./deploy-stack.js";
export { deployStack } from "./deploy-stack.js";
export type {
  DeployStackSetCallbacks,
  DeployStackSetOptions,
  OperationPreferences,
} from "./deploy-stackset.js";
export { deployStackSet } from "./deploy-stackset.js";
export type {
  Clock,
  InstanceRow,
  PlannedChange,
  StackDeployResult,
  StackEventView,
  StackSetDeployResult,
} from "./types.js";
export { realClock } from "./types.js";
