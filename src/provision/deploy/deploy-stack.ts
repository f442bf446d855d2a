/**
 * Stack deployment through a change set, as `aws cloudformation deploy` does it: prepare the
 * change set (stack-change.ts), show it, confirm, execute and follow the events to a final
 * status. AWS SDK v3 only; the caller gives the client and renders everything.
 */
import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import {
  abandonStackChange,
  executeStackChange,
  prepareStackChange,
  type StackChangeOptions,
} from "./stack-change.js";
import type { PlannedChange, StackDeployResult, StackEventView } from "./types.js";

export type DeployStackOptions = StackChangeOptions;

export interface DeployStackCallbacks {
  /** The change set is ready; return false to abandon it (it is then deleted). */
  confirm(changes: PlannedChange[], changeSetType: "CREATE" | "UPDATE"): Promise<boolean>;
  onPhase?(phase: "change-set" | "executing"): void;
  /** Each new stack event, oldest first, as it appears. */
  onEvent?(event: StackEventView): void;
}

export async function deployStack(
  client: CloudFormationClient,
  options: DeployStackOptions,
  callbacks: DeployStackCallbacks,
): Promise<StackDeployResult> {
  callbacks.onPhase?.("change-set");
  const prepared = await prepareStackChange(client, options);
  if (prepared.noChanges) return executeStackChange(client, prepared, options);
  let go: boolean;
  try {
    go = await callbacks.confirm(prepared.changes, prepared.type);
  } catch (err) {
    await abandonStackChange(client, prepared);
    throw err;
  }
  if (!go) {
    await abandonStackChange(client, prepared);
    return {
      outcome: "cancelled",
      stackId: prepared.stackId,
      changeSetType: prepared.type,
      rolledBack: false,
      outputs: [],
      changes: prepared.changes,
    };
  }
  callbacks.onPhase?.("executing");
  return executeStackChange(client, prepared, options, callbacks.onEvent);
}
