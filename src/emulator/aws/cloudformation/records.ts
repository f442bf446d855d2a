/**
 * CloudFormation state as stored: one JSON record per stack, stack event, change set, stack set,
 * stack instance and stack set operation. Times are epoch milliseconds (rendered as ISO 8601).
 */

export interface TagRecord {
  key: string;
  value: string;
}

/** A parameter as DescribeStacks shows it; `value` is the real value (masked only on output). */
export interface StackParameterRecord {
  key: string;
  value: string;
  noEcho: boolean;
}

export interface StackOutputRecord {
  key: string;
  value: string;
  description?: string;
  exportName?: string;
}

export interface StackResourceRecord {
  logicalId: string;
  type: string;
  physicalId?: string;
  status: string;
  statusReason?: string;
  timestamp: number;
  /** The properties as resolved by the template reader (before actual-ID substitution). */
  properties: Record<string, unknown>;
  /** Attributes of the created resource (Arn, RoleId, …) as IAM reports them. */
  attributes: Record<string, string>;
  metadata?: Record<string, unknown>;
  deletionPolicy?: string;
}

export interface StackRecord {
  stackId: string;
  stackName: string;
  account: string;
  region: string;
  status: string;
  statusReason?: string;
  description?: string;
  creationTime: number;
  lastUpdatedTime?: number;
  deletionTime?: number;
  templateBody: string;
  /** Explicit parameter values (raw, unmasked), so UsePreviousValue can reuse them. */
  parameterValues: Record<string, string>;
  parameters: StackParameterRecord[];
  capabilities: string[];
  tags: TagRecord[];
  outputs: StackOutputRecord[];
  /** In creation order; deletion goes the other way. */
  resources: StackResourceRecord[];
  disableRollback: boolean;
  roleArn?: string;
  notificationArns: string[];
  timeoutInMinutes?: number;
  enableTerminationProtection: boolean;
  changeSetId?: string;
  /**
   * The template reader predicts IDs IAM assigns (RoleId, PolicyId) from a hash; once IAM has
   * assigned the real ones, references are rewritten through this map (predicted → actual).
   */
  idMap: Record<string, string>;
}

export interface StackEventRecord {
  stackId: string;
  eventId: string;
  stackName: string;
  logicalId: string;
  physicalId?: string;
  type: string;
  timestamp: number;
  status: string;
  reason?: string;
  properties?: string;
  clientRequestToken?: string;
  /** Position within the stack's history (events are listed newest first). */
  seq: number;
}

export interface ResourceChangeDetailRecord {
  attribute: "Properties" | "Tags" | "Metadata";
  name?: string;
  requiresRecreation: "Never" | "Always";
}

export interface ResourceChangeRecord {
  action: "Add" | "Modify" | "Remove";
  logicalId: string;
  type: string;
  physicalId?: string;
  replacement?: "True" | "False";
  scope: string[];
  details: ResourceChangeDetailRecord[];
}

export interface ChangeSetRecord {
  changeSetId: string;
  changeSetName: string;
  stackId: string;
  stackName: string;
  account: string;
  region: string;
  changeSetType: "CREATE" | "UPDATE";
  description?: string;
  status: string;
  statusReason?: string;
  executionStatus: string;
  creationTime: number;
  templateBody: string;
  parameterValues: Record<string, string>;
  parameters: StackParameterRecord[];
  capabilities: string[];
  tags: TagRecord[];
  notificationArns: string[];
  roleArn?: string;
  changes: ResourceChangeRecord[];
  onStackFailure?: string;
}

export interface OperationPreferencesRecord {
  regionConcurrencyType?: "SEQUENTIAL" | "PARALLEL";
  regionOrder?: string[];
  failureToleranceCount?: number;
  failureTolerancePercentage?: number;
  maxConcurrentCount?: number;
  maxConcurrentPercentage?: number;
  concurrencyMode?: "STRICT_FAILURE_TOLERANCE" | "SOFT_FAILURE_TOLERANCE";
}

export interface StackSetRecord {
  stackSetId: string;
  stackSetName: string;
  arn: string;
  account: string;
  region: string;
  description?: string;
  status: "ACTIVE" | "DELETED";
  templateBody: string;
  parameterValues: Record<string, string>;
  capabilities: string[];
  tags: TagRecord[];
  permissionModel: "SELF_MANAGED" | "SERVICE_MANAGED";
  administrationRoleArn?: string;
  executionRoleName?: string;
  autoDeployment?: { enabled: boolean; retainStacksOnAccountRemoval?: boolean };
  organizationalUnitIds: string[];
  regions: string[];
}

export interface StackInstanceRecord {
  stackSetId: string;
  account: string;
  region: string;
  stackId?: string;
  status: "CURRENT" | "OUTDATED" | "INOPERABLE";
  detailedStatus: string;
  statusReason?: string;
  organizationalUnitId?: string;
  parameterOverrides: Record<string, string>;
  lastOperationId?: string;
}

export interface OperationResultRecord {
  account: string;
  region: string;
  status: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";
  statusReason?: string;
  organizationalUnitId?: string;
}

export interface StackSetOperationRecord {
  operationId: string;
  stackSetId: string;
  action: "CREATE" | "UPDATE" | "DELETE";
  status: "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "STOPPING" | "STOPPED";
  statusReason?: string;
  preferences: OperationPreferencesRecord;
  retainStacks?: boolean;
  administrationRoleArn?: string;
  executionRoleName?: string;
  creationTime: number;
  endTime?: number;
  deploymentTargets?: {
    accounts?: string[];
    organizationalUnitIds?: string[];
    accountFilterType?: string;
  };
  results: OperationResultRecord[];
}

export const CFN_COLLECTIONS = {
  stacks: "cfn-stacks",
  /** A stack's template, apart from the stack (written when it changes, not on every event). */
  stackTemplates: "cfn-stack-templates",
  /** Each resource of a stack, `<stackId>|<logicalId>` (only the one an event changes is written). */
  stackResources: "cfn-stack-resources",
  events: "cfn-stack-events",
  changeSets: "cfn-change-sets",
  stackSets: "cfn-stack-sets",
  instances: "cfn-stack-instances",
  operations: "cfn-stack-set-operations",
  organizations: "cfn-organizational-units",
} as const;
