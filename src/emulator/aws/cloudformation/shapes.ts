/** CloudFormation's response shapes, member names as in the service model. */
import { el, memberList, text, type XmlElement } from "../xml.js";
import type {
  ChangeSetRecord,
  OperationPreferencesRecord,
  ResourceChangeRecord,
  StackEventRecord,
  StackInstanceRecord,
  StackParameterRecord,
  StackRecord,
  StackResourceRecord,
  StackSetOperationRecord,
  StackSetRecord,
  TagRecord,
} from "./records.js";

export const iso = (ms: number | undefined) =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/** NoEcho values are shown as `****`, as DescribeStacks and DescribeChangeSet do. */
export function parametersXml(params: StackParameterRecord[]): XmlElement {
  return memberList(
    "Parameters",
    params.map((p) => [
      el("ParameterKey", p.key),
      el("ParameterValue", p.noEcho ? "****" : p.value),
    ]),
  );
}

export function tagsXml(tags: TagRecord[]): XmlElement {
  return memberList(
    "Tags",
    tags.map((t) => [el("Key", t.key), el("Value", t.value)]),
  );
}

export function stackXml(s: StackRecord): XmlElement[] {
  return [
    el("StackId", s.stackId),
    el("StackName", s.stackName),
    text("ChangeSetId", s.changeSetId),
    text("Description", s.description),
    parametersXml(s.parameters),
    el("CreationTime", iso(s.creationTime)!),
    text("DeletionTime", iso(s.deletionTime)),
    text("LastUpdatedTime", iso(s.lastUpdatedTime)),
    el("RollbackConfiguration"),
    el("StackStatus", s.status),
    text("StackStatusReason", s.statusReason),
    el("DisableRollback", String(s.disableRollback)),
    memberList("NotificationARNs", s.notificationArns),
    text("TimeoutInMinutes", s.timeoutInMinutes),
    s.capabilities.length > 0 && memberList("Capabilities", s.capabilities),
    s.outputs.length > 0 &&
      memberList(
        "Outputs",
        s.outputs.map((o) => [
          el("OutputKey", o.key),
          el("OutputValue", o.value),
          text("Description", o.description),
          text("ExportName", o.exportName),
        ]),
      ),
    text("RoleARN", s.roleArn),
    tagsXml(s.tags),
    el("EnableTerminationProtection", String(s.enableTerminationProtection)),
    el("DriftInformation", el("StackDriftStatus", "NOT_CHECKED")),
  ].filter((x): x is XmlElement => !!x);
}

export function stackSummaryXml(s: StackRecord): XmlElement[] {
  return [
    el("StackId", s.stackId),
    el("StackName", s.stackName),
    text("TemplateDescription", s.description),
    el("CreationTime", iso(s.creationTime)!),
    text("LastUpdatedTime", iso(s.lastUpdatedTime)),
    text("DeletionTime", iso(s.deletionTime)),
    el("StackStatus", s.status),
    text("StackStatusReason", s.statusReason),
    el("DriftInformation", el("StackDriftStatus", "NOT_CHECKED")),
  ].filter((x): x is XmlElement => !!x);
}

export function eventXml(e: StackEventRecord): XmlElement[] {
  return [
    el("StackId", e.stackId),
    el("EventId", e.eventId),
    el("StackName", e.stackName),
    el("LogicalResourceId", e.logicalId),
    text("PhysicalResourceId", e.physicalId),
    el("ResourceType", e.type),
    el("Timestamp", iso(e.timestamp)!),
    el("ResourceStatus", e.status),
    text("ResourceStatusReason", e.reason),
    text("ResourceProperties", e.properties),
    text("ClientRequestToken", e.clientRequestToken),
  ].filter((x): x is XmlElement => !!x);
}

export function stackResourceXml(s: StackRecord, r: StackResourceRecord): XmlElement[] {
  return [
    el("StackName", s.stackName),
    el("StackId", s.stackId),
    el("LogicalResourceId", r.logicalId),
    text("PhysicalResourceId", r.physicalId),
    el("ResourceType", r.type),
    el("Timestamp", iso(r.timestamp)!),
    el("ResourceStatus", r.status),
    text("ResourceStatusReason", r.statusReason),
    el("DriftInformation", el("StackResourceDriftStatus", "NOT_CHECKED")),
  ].filter((x): x is XmlElement => !!x);
}

export function resourceSummaryXml(r: StackResourceRecord): XmlElement[] {
  return [
    el("LogicalResourceId", r.logicalId),
    text("PhysicalResourceId", r.physicalId),
    el("ResourceType", r.type),
    el("LastUpdatedTimestamp", iso(r.timestamp)!),
    el("ResourceStatus", r.status),
    text("ResourceStatusReason", r.statusReason),
    el("DriftInformation", el("StackResourceDriftStatus", "NOT_CHECKED")),
  ].filter((x): x is XmlElement => !!x);
}

function changeXml(c: ResourceChangeRecord): XmlElement[] {
  return [
    el("Type", "Resource"),
    el(
      "ResourceChange",
      el("Action", c.action),
      el("LogicalResourceId", c.logicalId),
      text("PhysicalResourceId", c.physicalId),
      el("ResourceType", c.type),
      text("Replacement", c.replacement),
      memberList("Scope", c.scope),
      memberList(
        "Details",
        c.details.map((d) => [
          el(
            "Target",
            el("Attribute", d.attribute),
            text("Name", d.name),
            el("RequiresRecreation", d.requiresRecreation),
          ),
          el("Evaluation", "Static"),
          el("ChangeSource", "DirectModification"),
        ]),
      ),
    ),
  ];
}

export function changeSetXml(cs: ChangeSetRecord): XmlElement[] {
  return [
    el("ChangeSetName", cs.changeSetName),
    el("ChangeSetId", cs.changeSetId),
    el("StackId", cs.stackId),
    el("StackName", cs.stackName),
    text("Description", cs.description),
    parametersXml(cs.parameters),
    el("CreationTime", iso(cs.creationTime)!),
    el("ExecutionStatus", cs.executionStatus),
    el("Status", cs.status),
    text("StatusReason", cs.statusReason),
    memberList("NotificationARNs", cs.notificationArns),
    el("RollbackConfiguration"),
    cs.capabilities.length > 0 && memberList("Capabilities", cs.capabilities),
    tagsXml(cs.tags),
    memberList("Changes", cs.changes.map(changeXml)),
    el("IncludeNestedStacks", "false"),
    text("OnStackFailure", cs.onStackFailure),
  ].filter((x): x is XmlElement => !!x);
}

export function changeSetSummaryXml(cs: ChangeSetRecord): XmlElement[] {
  return [
    el("StackId", cs.stackId),
    el("StackName", cs.stackName),
    el("ChangeSetId", cs.changeSetId),
    el("ChangeSetName", cs.changeSetName),
    el("ExecutionStatus", cs.executionStatus),
    el("Status", cs.status),
    text("StatusReason", cs.statusReason),
    el("CreationTime", iso(cs.creationTime)!),
    text("Description", cs.description),
  ].filter((x): x is XmlElement => !!x);
}

function prefsXml(p: OperationPreferencesRecord): XmlElement {
  return el(
    "OperationPreferences",
    text("RegionConcurrencyType", p.regionConcurrencyType),
    p.regionOrder && memberList("RegionOrder", p.regionOrder),
    text("FailureToleranceCount", p.failureToleranceCount),
    text("FailureTolerancePercentage", p.failureTolerancePercentage),
    text("MaxConcurrentCount", p.maxConcurrentCount),
    text("MaxConcurrentPercentage", p.maxConcurrentPercentage),
    text("ConcurrencyMode", p.concurrencyMode),
  );
}

export function stackSetXml(s: StackSetRecord): XmlElement[] {
  return [
    el("StackSetName", s.stackSetName),
    el("StackSetId", s.stackSetId),
    text("Description", s.description),
    el("Status", s.status),
    el("TemplateBody", s.templateBody),
    memberList(
      "Parameters",
      Object.entries(s.parameterValues).map(([k, v]) => [
        el("ParameterKey", k),
        el("ParameterValue", v),
      ]),
    ),
    s.capabilities.length > 0 && memberList("Capabilities", s.capabilities),
    tagsXml(s.tags),
    el("StackSetARN", s.arn),
    text("AdministrationRoleARN", s.administrationRoleArn),
    text("ExecutionRoleName", s.executionRoleName),
    s.autoDeployment &&
      el(
        "AutoDeployment",
        el("Enabled", String(s.autoDeployment.enabled)),
        text("RetainStacksOnAccountRemoval", s.autoDeployment.retainStacksOnAccountRemoval),
      ),
    el("PermissionModel", s.permissionModel),
    s.organizationalUnitIds.length > 0 &&
      memberList("OrganizationalUnitIds", s.organizationalUnitIds),
    el("ManagedExecution", el("Active", "false")),
    s.regions.length > 0 && memberList("Regions", s.regions),
  ].filter((x): x is XmlElement => !!x);
}

export function stackSetSummaryXml(s: StackSetRecord): XmlElement[] {
  return [
    el("StackSetName", s.stackSetName),
    el("StackSetId", s.stackSetId),
    text("Description", s.description),
    el("Status", s.status),
    el("PermissionModel", s.permissionModel),
  ].filter((x): x is XmlElement => !!x);
}

export function instanceXml(i: StackInstanceRecord, full = false): XmlElement[] {
  return [
    el("StackSetId", i.stackSetId),
    el("Region", i.region),
    el("Account", i.account),
    text("StackId", i.stackId),
    full &&
      memberList(
        "ParameterOverrides",
        Object.entries(i.parameterOverrides).map(([k, v]) => [
          el("ParameterKey", k),
          el("ParameterValue", v),
        ]),
      ),
    el("Status", i.status),
    text("StatusReason", i.statusReason),
    el("StackInstanceStatus", el("DetailedStatus", i.detailedStatus)),
    text("OrganizationalUnitId", i.organizationalUnitId),
    el("DriftStatus", "NOT_CHECKED"),
    text("LastOperationId", i.lastOperationId),
  ].filter((x): x is XmlElement => !!x);
}

function failedCount(o: StackSetOperationRecord): XmlElement {
  return el(
    "StatusDetails",
    el("FailedStackInstancesCount", String(o.results.filter((r) => r.status === "FAILED").length)),
  );
}

export function operationXml(o: StackSetOperationRecord): XmlElement[] {
  const dt = o.deploymentTargets;
  return [
    el("OperationId", o.operationId),
    el("StackSetId", o.stackSetId),
    el("Action", o.action),
    el("Status", o.status),
    prefsXml(o.preferences),
    text("RetainStacks", o.retainStacks),
    text("AdministrationRoleARN", o.administrationRoleArn),
    text("ExecutionRoleName", o.executionRoleName),
    el("CreationTimestamp", iso(o.creationTime)!),
    text("EndTimestamp", iso(o.endTime)),
    dt &&
      el(
        "DeploymentTargets",
        dt.accounts && memberList("Accounts", dt.accounts),
        dt.organizationalUnitIds && memberList("OrganizationalUnitIds", dt.organizationalUnitIds),
        text("AccountFilterType", dt.accountFilterType),
      ),
    text("StatusReason", o.statusReason),
    failedCount(o),
  ].filter((x): x is XmlElement => !!x);
}

export function operationSummaryXml(o: StackSetOperationRecord): XmlElement[] {
  return [
    el("OperationId", o.operationId),
    el("Action", o.action),
    el("Status", o.status),
    el("CreationTimestamp", iso(o.creationTime)!),
    text("EndTimestamp", iso(o.endTime)),
    text("StatusReason", o.statusReason),
    failedCount(o),
    prefsXml(o.preferences),
  ].filter((x): x is XmlElement => !!x);
}

export function operationResultXml(r: StackSetOperationRecord["results"][number]): XmlElement[] {
  return [
    el("Account", r.account),
    el("Region", r.region),
    el("Status", r.status),
    text("StatusReason", r.statusReason),
    el("AccountGateResult", el("Status", "SKIPPED")),
    text("OrganizationalUnitId", r.organizationalUnitId),
  ].filter((x): x is XmlElement => !!x);
}
