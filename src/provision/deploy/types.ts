/** What the deploy core reports to its caller (the CLI renders it; tests assert on it). */

export interface PlannedChange {
  action: string;
  logicalId: string;
  type: string;
  physicalId?: string;
  /** "True" | "False" | "Conditional"; absent for Add and Remove. */
  replacement?: string;
}

export interface StackEventView {
  eventId: string;
  timestamp: Date;
  logicalId: string;
  type: string;
  status: string;
  reason?: string;
  physicalId?: string;
}

export interface StackDeployResult {
  outcome: "created" | "updated" | "deleted" | "no-changes" | "failed" | "cancelled";
  stackId?: string;
  changeSetType?: "CREATE" | "UPDATE";
  finalStatus?: string;
  /** The first failed resource's ResourceStatusReason, when the deployment failed. */
  failureReason?: string;
  failedResource?: string;
  rolledBack: boolean;
  outputs: Array<{ key: string; value: string; description?: string }>;
  changes: PlannedChange[];
}

export interface InstanceRow {
  account: string;
  region: string;
  /** StackInstanceStatus.DetailedStatus (SUCCEEDED, FAILED, CANCELLED, …). */
  status: string;
  reason?: string;
}

export interface StackSetDeployResult {
  stackSetId: string;
  created: boolean;
  operations: Array<{ id: string; action: string; status: string; reason?: string }>;
  instances: InstanceRow[];
  /** True when an operation failed beyond its failure tolerance. */
  failed: boolean;
}

/** Injected so tests are exact and fast; the CLI uses real timers. */
export interface Clock {
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
