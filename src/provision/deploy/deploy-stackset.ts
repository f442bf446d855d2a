/**
 * StackSet deployment: create or update the stack set, then deploy instances to accounts (self-
 * managed) or OUs (service-managed) × regions with the operation preferences, polling each
 * operation and reporting per-account progress; with `exactTargets`, instances no longer
 * targeted are deleted. AWS SDK v3 only.
 */
import {
  type Capability,
  type CloudFormationClient,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DeleteStackInstancesCommand,
  DeleteStackSetCommand,
  DescribeStackSetCommand,
  DescribeStackSetOperationCommand,
  ListStackInstancesCommand,
  ListStackSetOperationResultsCommand,
  type StackInstanceSummary,
  type StackSetOperationPreferences,
  type StackSetOperationResultSummary,
  UpdateStackSetCommand,
} from "@aws-sdk/client-cloudformation";
import { InputError } from "../../errors.js";
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from "./poll-retry.js";
import { type Clock, type InstanceRow, realClock, type StackSetDeployResult } from "./types.js";

export interface OperationPreferences {
  maxConcurrentCount?: number;
  maxConcurrentPercentage?: number;
  failureToleranceCount?: number;
  failureTolerancePercentage?: number;
  regionConcurrencyType?: "SEQUENTIAL" | "PARALLEL";
  concurrencyMode?: "STRICT_FAILURE_TOLERANCE" | "SOFT_FAILURE_TOLERANCE";
}

export interface DeployStackSetOptions {
  stackSetName: string;
  templateBody: string;
  /** Where CloudFormation reads the template, when it went through S3. */
  templateUrl?: string;
  /** Delete instances of targets no longer given (a deployment's unit holds exactly these). */
  exactTargets?: boolean;
  retry?: RetryPolicy;
  statusCommand?: string;
  parameters?: Readonly<Record<string, string>>;
  capabilities?: string[];
  /** Self-managed targets. */
  accounts?: string[];
  /** Service-managed targets (AWS Organizations OUs). */
  organizationalUnits?: string[];
  regions: string[];
  preferences?: OperationPreferences;
  administrationRoleArn?: string;
  executionRoleName?: string;
  pollMs?: number;
  clock?: Clock;
}

export interface DeployStackSetCallbacks {
  onOperation?(op: { id: string; action: string }): void;
  /** An account/region's status changed within an operation. */
  onProgress?(row: InstanceRow & { operationId: string }): void;
}

function preferencesOf(p: OperationPreferences | undefined): StackSetOperationPreferences {
  const out: StackSetOperationPreferences = {};
  if (!p) return out;
  if (p.maxConcurrentCount !== undefined) out.MaxConcurrentCount = p.maxConcurrentCount;
  if (p.maxConcurrentPercentage !== undefined)
    out.MaxConcurrentPercentage = p.maxConcurrentPercentage;
  if (p.failureToleranceCount !== undefined) out.FailureToleranceCount = p.failureToleranceCount;
  if (p.failureTolerancePercentage !== undefined)
    out.FailureTolerancePercentage = p.failureTolerancePercentage;
  if (p.regionConcurrencyType) out.RegionConcurrencyType = p.regionConcurrencyType;
  if (p.concurrencyMode) out.ConcurrencyMode = p.concurrencyMode;
  return out;
}

export async function deployStackSet(
  client: CloudFormationClient,
  options: DeployStackSetOptions,
  callbacks: DeployStackSetCallbacks = {},
): Promise<StackSetDeployResult> {
  const ous = options.organizationalUnits ?? [];
  const accounts = options.accounts ?? [];
  if ((ous.length === 0) === (accounts.length === 0)) {
    throw new InputError(
      "give either accounts (self-managed) or organizational units (service-managed), not both or neither",
    );
  }
  if (options.regions.length === 0)
    throw new InputError("give at least one region to deploy the stack set to");
  const serviceManaged = ous.length > 0;
  const parameters = Object.entries(options.parameters ?? {}).map(([k, v]) => ({
    ParameterKey: k,
    ParameterValue: v,
  }));
  const capabilities = (options.capabilities ?? []) as Capability[];
  const prefs = preferencesOf(options.preferences);
  const result: StackSetDeployResult = {
    stackSetId: "",
    created: false,
    operations: [],
    instances: [],
    failed: false,
  };

  let existing: string | undefined;
  try {
    existing = (
      await client.send(new DescribeStackSetCommand({ StackSetName: options.stackSetName }))
    ).StackSet?.StackSetId;
  } catch (err) {
    if ((err as { name?: string }).name !== "StackSetNotFoundException") throw err;
  }
  if (!existing) {
    const created = await client.send(
      new CreateStackSetCommand({
        StackSetName: options.stackSetName,
        ...templateOf(options),
        Parameters: parameters,
        Capabilities: capabilities,
        PermissionModel: serviceManaged ? "SERVICE_MANAGED" : "SELF_MANAGED",
        ...(serviceManaged ? { AutoDeployment: { Enabled: false } } : {}),
        ...(options.administrationRoleArn
          ? { AdministrationRoleARN: options.administrationRoleArn }
          : {}),
        ...(options.executionRoleName ? { ExecutionRoleName: options.executionRoleName } : {}),
      }),
    );
    result.stackSetId = created.StackSetId!;
    result.created = true;
  } else {
    result.stackSetId = existing;
    // Existing instances get the new template first, then missing targets are added.
    const op = await client.send(
      new UpdateStackSetCommand({
        StackSetName: options.stackSetName,
        ...templateOf(options),
        Parameters: parameters,
        Capabilities: capabilities,
        OperationPreferences: prefs,
      }),
    );
    const done = await follow(client, options, op.OperationId!, "UPDATE", callbacks);
    result.operations.push(done);
    if (done.status === "FAILED") {
      result.failed = true;
      result.instances = await instanceRows(client, options.stackSetName);
      return result;
    }
  }

  const present = new Set(
    (await listInstances(client, options.stackSetName)).map((i) => `${i.Account}|${i.Region}`),
  );
  const missing =
    serviceManaged || accounts.some((a) => options.regions.some((r) => !present.has(`${a}|${r}`)));
  if (missing) {
    const op = await client.send(
      new CreateStackInstancesCommand({
        StackSetName: options.stackSetName,
        Regions: options.regions,
        ...(serviceManaged
          ? { DeploymentTargets: { OrganizationalUnitIds: ous } }
          : {
              Accounts: accounts.filter((a) =>
                options.regions.some((r) => !present.has(`${a}|${r}`)),
              ),
            }),
        OperationPreferences: prefs,
      }),
    );
    const done = await follow(client, options, op.OperationId!, "CREATE", callbacks);
    result.operations.push(done);
    if (done.status === "FAILED") result.failed = true;
  }
  if (options.exactTargets && !result.failed) {
    const gone = await removeUntargeted(client, options, prefs, callbacks);
    if (gone) {
      result.operations.push(gone);
      if (gone.status === "FAILED") result.failed = true;
    }
  }
  result.instances = await instanceRows(client, options.stackSetName);
  return result;
}

function templateOf(o: DeployStackSetOptions): { TemplateURL: string } | { TemplateBody: string } {
  return o.templateUrl ? { TemplateURL: o.templateUrl } : { TemplateBody: o.templateBody };
}

/** Instances in accounts (or OUs) no longer targeted, or regions no longer named, are deleted. */
async function removeUntargeted(
  client: CloudFormationClient,
  options: DeployStackSetOptions,
  prefs: StackSetOperationPreferences,
  callbacks: DeployStackSetCallbacks,
): Promise<StackSetDeployResult["operations"][number] | undefined> {
  const instances = await listInstances(client, options.stackSetName);
  const ous = new Set(options.organizationalUnits ?? []);
  const accounts = new Set(options.accounts ?? []);
  const regions = new Set(options.regions);
  const stale = instances.filter((i) =>
    ous.size > 0
      ? !ous.has(i.OrganizationalUnitId ?? "") || !regions.has(i.Region ?? "")
      : !accounts.has(i.Account ?? "") || !regions.has(i.Region ?? ""),
  );
  if (stale.length === 0) return undefined;
  return deleteInstances(client, options, stale, prefs, callbacks);
}

async function deleteInstances(
  client: CloudFormationClient,
  options: Pick<
    DeployStackSetOptions,
    "stackSetName" | "pollMs" | "clock" | "retry" | "statusCommand"
  >,
  instances: StackInstanceSummary[],
  prefs: StackSetOperationPreferences,
  callbacks: DeployStackSetCallbacks,
): Promise<StackSetDeployResult["operations"][number]> {
  const regions = [...new Set(instances.map((i) => i.Region ?? ""))];
  const ous = [
    ...new Set(instances.map((i) => i.OrganizationalUnitId).filter((o): o is string => !!o)),
  ];
  const op = await client.send(
    new DeleteStackInstancesCommand({
      StackSetName: options.stackSetName,
      Regions: regions,
      ...(ous.length > 0
        ? { DeploymentTargets: { OrganizationalUnitIds: ous } }
        : { Accounts: [...new Set(instances.map((i) => i.Account ?? ""))] }),
      RetainStacks: false,
      OperationPreferences: prefs,
    }),
  );
  return follow(client, options, op.OperationId!, "DELETE", callbacks);
}

/**
 * Deletes a StackSet: its instances (and so their stacks and resources), then the set itself.
 * Nothing to delete is not an error.
 */
export async function destroyStackSet(
  client: CloudFormationClient,
  options: Pick<
    DeployStackSetOptions,
    "stackSetName" | "pollMs" | "clock" | "retry" | "statusCommand"
  > & {
    preferences?: OperationPreferences;
  },
  callbacks: DeployStackSetCallbacks = {},
): Promise<StackSetDeployResult> {
  const result: StackSetDeployResult = {
    stackSetId: "",
    created: false,
    operations: [],
    instances: [],
    failed: false,
  };
  try {
    result.stackSetId =
      (await client.send(new DescribeStackSetCommand({ StackSetName: options.stackSetName })))
        .StackSet?.StackSetId ?? "";
  } catch (err) {
    if ((err as { name?: string }).name === "StackSetNotFoundException") return result;
    throw err;
  }
  const instances = await listInstances(client, options.stackSetName);
  if (instances.length > 0) {
    const done = await deleteInstances(
      client,
      options,
      instances,
      preferencesOf(options.preferences),
      callbacks,
    );
    result.operations.push(done);
    if (done.status === "FAILED") {
      result.failed = true;
      result.instances = await instanceRows(client, options.stackSetName);
      return result;
    }
  }
  await client.send(new DeleteStackSetCommand({ StackSetName: options.stackSetName }));
  return result;
}

async function follow(
  client: CloudFormationClient,
  options: Pick<
    DeployStackSetOptions,
    "stackSetName" | "pollMs" | "clock" | "retry" | "statusCommand"
  >,
  operationId: string,
  action: string,
  callbacks: DeployStackSetCallbacks,
): Promise<StackSetDeployResult["operations"][number]> {
  const clock = options.clock ?? realClock;
  const pollMs = options.pollMs ?? 2000;
  callbacks.onOperation?.({ id: operationId, action });
  const last = new Map<string, string>();
  const report = (rows: StackSetOperationResultSummary[]) => {
    for (const r of rows) {
      const key = `${r.Account}|${r.Region}`;
      const status = r.Status ?? "";
      if (last.get(key) === status) continue;
      last.set(key, status);
      const row: InstanceRow & { operationId: string } = {
        operationId,
        account: r.Account ?? "",
        region: r.Region ?? "",
        status,
      };
      if (r.StatusReason) row.reason = r.StatusReason;
      callbacks.onProgress?.(row);
    }
  };
  const retry = <T>(call: () => Promise<T>) =>
    withRetry(
      call,
      {
        what: `StackSet ${options.stackSetName}`,
        statusCommand:
          options.statusCommand ?? `bb-oidc status --stack-name ${options.stackSetName}`,
      },
      clock,
      options.retry ?? DEFAULT_RETRY,
    );
  for (;;) {
    const op = (
      await retry(() =>
        client.send(
          new DescribeStackSetOperationCommand({
            StackSetName: options.stackSetName,
            OperationId: operationId,
          }),
        ),
      )
    ).StackSetOperation!;
    report(await retry(() => operationResults(client, options.stackSetName, operationId)));
    if (op.Status !== "RUNNING" && op.Status !== "QUEUED" && op.Status !== "STOPPING") {
      return {
        id: operationId,
        action,
        status: op.Status ?? "",
        ...(op.StatusReason ? { reason: op.StatusReason } : {}),
      };
    }
    await clock.sleep(pollMs);
  }
}

async function operationResults(
  client: CloudFormationClient,
  name: string,
  id: string,
): Promise<StackSetOperationResultSummary[]> {
  const out: StackSetOperationResultSummary[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListStackSetOperationResultsCommand({
        StackSetName: name,
        OperationId: id,
        NextToken: token,
      }),
    );
    out.push(...(page.Summaries ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

async function listInstances(
  client: CloudFormationClient,
  name: string,
): Promise<StackInstanceSummary[]> {
  const out: StackInstanceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListStackInstancesCommand({ StackSetName: name, NextToken: token }),
    );
    out.push(...(page.Summaries ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function instanceRows(
  client: CloudFormationClient,
  name: string,
): Promise<InstanceRow[]> {
  return (await listInstances(client, name))
    .map((i) => {
      const row: InstanceRow = {
        account: i.Account ?? "",
        region: i.Region ?? "",
        status: i.StackInstanceStatus?.DetailedStatus ?? i.Status ?? "",
      };
      if (i.StatusReason) row.reason = i.StatusReason;
      return row;
    })
    .sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
}
