/**
 * One stack's change, in two halves: prepare (a change set, CREATE or UPDATE, waited for and
 * listed) and execute (run it, follow the events to a final status). Between the two the caller
 * shows the changes and asks. Every wait goes through `withRetry`: a lost connection is retried
 * for a while, then reported as "the stack may still be changing".
 */
import {
  type Capability,
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Parameter,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import { BbOidcError } from "../../errors.js";
import { readTemplate } from "../reader/index.js";
import { DEFAULT_RETRY, type RetryPolicy, type Waiting, withRetry } from "./poll-retry.js";
import {
  type Clock,
  type PlannedChange,
  realClock,
  type StackDeployResult,
  type StackEventView,
} from "./types.js";

export interface StackChangeOptions {
  stackName: string;
  /** The template, and where CloudFormation reads it (a URL when it went through S3). */
  templateBody: string;
  templateUrl?: string;
  parameters?: Readonly<Record<string, string>>;
  capabilities?: string[];
  /** Default `bb-oidc-<epoch ms>`. */
  changeSetName?: string;
  /** How often to poll; default 2000 ms (use less against the emulator). */
  pollMs?: number;
  clock?: Clock;
  now?: () => number;
  retry?: RetryPolicy;
  /** The command that shows the stack later, for the lost-contact message. */
  statusCommand?: string;
  onRetry?: (err: unknown, delayMs: number) => void;
}

export interface PreparedChange {
  stackName: string;
  stackId: string;
  changeSetId?: string;
  type: "CREATE" | "UPDATE";
  changes: PlannedChange[];
  /** CloudFormation found nothing to change. */
  noChanges: boolean;
  existing?: Stack;
}

const NO_CHANGES = [/didn't contain changes/, /No updates are to be performed/];
const SUCCESS = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE"]);

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e?.name === "ValidationError" && /does not exist/.test(e.message ?? "");
}

function waitingFor(o: StackChangeOptions): Waiting {
  return {
    what: `stack ${o.stackName}`,
    statusCommand: o.statusCommand ?? `bb-oidc status --stack-name ${o.stackName}`,
  };
}

export async function describeStack(
  client: CloudFormationClient,
  name: string,
): Promise<Stack | undefined> {
  try {
    return (await client.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export async function prepareStackChange(
  client: CloudFormationClient,
  o: StackChangeOptions,
): Promise<PreparedChange> {
  const clock = o.clock ?? realClock;
  const pollMs = o.pollMs ?? 2000;
  const retry = <T>(call: () => Promise<T>) =>
    withRetry(call, waitingFor(o), clock, o.retry ?? DEFAULT_RETRY, o.onRetry);
  const existing = await describeStack(client, o.stackName);
  if (
    existing &&
    ["ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED"].includes(
      existing.StackStatus ?? "",
    )
  ) {
    throw new BbOidcError(
      "ERR_STACK_NOT_UPDATABLE",
      `stack ${o.stackName} is in ${existing.StackStatus} and cannot be updated`,
      {
        hint: `Delete it first (bb-oidc destroy, or aws cloudformation delete-stack --stack-name ${o.stackName}), then deploy again.`,
      },
    );
  }
  if (
    existing?.StackStatus?.endsWith("_IN_PROGRESS") &&
    existing.StackStatus !== "REVIEW_IN_PROGRESS"
  ) {
    throw new BbOidcError(
      "ERR_STACK_BUSY",
      `stack ${o.stackName} is busy (${existing.StackStatus})`,
      {
        hint: `Wait for the running operation to finish (bb-oidc status --stack-name ${o.stackName}), then deploy again.`,
      },
    );
  }
  const type: "CREATE" | "UPDATE" =
    !existing || existing.StackStatus === "REVIEW_IN_PROGRESS" ? "CREATE" : "UPDATE";
  const created = await client.send(
    new CreateChangeSetCommand({
      StackName: o.stackName,
      ChangeSetName: o.changeSetName ?? `bb-oidc-${(o.now ?? Date.now)()}`,
      ChangeSetType: type,
      ...(o.templateUrl ? { TemplateURL: o.templateUrl } : { TemplateBody: o.templateBody }),
      Parameters: parametersFor(o, type === "UPDATE" ? existing : undefined),
      Capabilities: (o.capabilities ?? []) as Capability[],
    }),
  );
  const csId = created.Id!;
  let cs: DescribeChangeSetCommandOutput;
  for (;;) {
    cs = await retry(() => client.send(new DescribeChangeSetCommand({ ChangeSetName: csId })));
    if (cs.Status === "CREATE_COMPLETE" || cs.Status === "FAILED") break;
    await clock.sleep(pollMs);
  }
  const prepared: PreparedChange = {
    stackName: o.stackName,
    stackId: created.StackId!,
    changeSetId: csId,
    type,
    changes: [],
    noChanges: false,
    ...(existing ? { existing } : {}),
  };
  if (cs.Status === "FAILED") {
    if (NO_CHANGES.some((re) => re.test(cs.StatusReason ?? ""))) {
      await client.send(new DeleteChangeSetCommand({ ChangeSetName: csId })).catch(() => {});
      delete prepared.changeSetId;
      prepared.noChanges = true;
      return prepared;
    }
    throw new BbOidcError(
      "ERR_CHANGE_SET_FAILED",
      `the change set for stack ${o.stackName} failed: ${cs.StatusReason ?? "no reason given"}`,
    );
  }
  prepared.changes = await allChanges(client, cs, retry);
  return prepared;
}

/** Deletes an unexecuted change set, and the REVIEW_IN_PROGRESS stack made only to hold it. */
export async function abandonStackChange(
  client: CloudFormationClient,
  p: PreparedChange,
): Promise<void> {
  if (!p.changeSetId) return;
  await client.send(new DeleteChangeSetCommand({ ChangeSetName: p.changeSetId })).catch(() => {});
  if (p.type === "CREATE")
    await client.send(new DeleteStackCommand({ StackName: p.stackId })).catch(() => {});
}

export async function executeStackChange(
  client: CloudFormationClient,
  p: PreparedChange,
  o: StackChangeOptions,
  onEvent?: (e: StackEventView) => void,
): Promise<StackDeployResult> {
  const clock = o.clock ?? realClock;
  const pollMs = o.pollMs ?? 2000;
  const retry = <T>(call: () => Promise<T>) =>
    withRetry(call, waitingFor(o), clock, o.retry ?? DEFAULT_RETRY, o.onRetry);
  const result: StackDeployResult = {
    outcome: "no-changes",
    stackId: p.stackId,
    changeSetType: p.type,
    rolledBack: false,
    outputs: outputsOf(p.existing),
    changes: p.changes,
  };
  if (p.noChanges || !p.changeSetId) {
    result.finalStatus = p.existing?.StackStatus;
    return result;
  }
  const seen = new Set(
    (await retry(() => recentEvents(client, p.stackId, new Set()))).map((e) => e.eventId),
  );
  await client.send(new ExecuteChangeSetCommand({ ChangeSetName: p.changeSetId }));
  const history: StackEventView[] = [];
  const take = (fresh: StackEventView[]) => {
    for (const e of fresh) {
      seen.add(e.eventId);
      history.push(e);
      onEvent?.(e);
    }
  };
  let stack: Stack | undefined;
  for (;;) {
    await clock.sleep(pollMs);
    take(await retry(() => recentEvents(client, p.stackId, seen)));
    stack = (await retry(() => client.send(new DescribeStacksCommand({ StackName: p.stackId }))))
      .Stacks?.[0];
    if (!(stack?.StackStatus ?? "").endsWith("_IN_PROGRESS")) {
      // Events written just before the final status may not have been listed yet.
      take(await retry(() => recentEvents(client, p.stackId, seen)));
      break;
    }
  }
  result.finalStatus = stack?.StackStatus;
  result.outputs = outputsOf(stack);
  result.rolledBack = /ROLLBACK/.test(result.finalStatus ?? "");
  if (SUCCESS.has(result.finalStatus ?? "")) {
    result.outcome = p.type === "CREATE" ? "created" : "updated";
    return result;
  }
  result.outcome = "failed";
  const first =
    history.find(
      (e) => e.status.endsWith("_FAILED") && e.reason && e.type !== "AWS::CloudFormation::Stack",
    ) ?? history.find((e) => e.status.endsWith("_FAILED") && e.reason);
  if (first) {
    result.failureReason = first.reason!;
    result.failedResource = first.logicalId;
  } else if (stack?.StackStatusReason) {
    result.failureReason = stack.StackStatusReason;
  }
  return result;
}

/**
 * Given values, plus UsePreviousValue for parameters the stack already has and the new template
 * still declares, so an update never silently resets a value to its default.
 */
function parametersFor(o: StackChangeOptions, existing: Stack | undefined): Parameter[] {
  const given = o.parameters ?? {};
  const out: Parameter[] = Object.entries(given).map(([k, v]) => ({
    ParameterKey: k,
    ParameterValue: v,
  }));
  if (existing) {
    const declared = new Set(
      Object.keys(readTemplate(o.templateBody, "template").template.Parameters ?? {}),
    );
    for (const p of existing.Parameters ?? []) {
      if (p.ParameterKey && !(p.ParameterKey in given) && declared.has(p.ParameterKey)) {
        out.push({ ParameterKey: p.ParameterKey, UsePreviousValue: true });
      }
    }
  }
  return out;
}

async function allChanges(
  client: CloudFormationClient,
  first: DescribeChangeSetCommandOutput,
  retry: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<PlannedChange[]> {
  const out: PlannedChange[] = [];
  let page: DescribeChangeSetCommandOutput | undefined = first;
  while (page) {
    for (const c of page.Changes ?? []) {
      const r = c.ResourceChange;
      if (!r) continue;
      const change: PlannedChange = {
        action: r.Action ?? "",
        logicalId: r.LogicalResourceId ?? "",
        type: r.ResourceType ?? "",
      };
      if (r.PhysicalResourceId) change.physicalId = r.PhysicalResourceId;
      if (r.Replacement) change.replacement = r.Replacement;
      out.push(change);
    }
    const token: string | undefined = page.NextToken;
    page = token
      ? await retry(() =>
          client.send(
            new DescribeChangeSetCommand({ ChangeSetName: first.ChangeSetId!, NextToken: token }),
          ),
        )
      : undefined;
  }
  return out;
}

/** Events not yet seen, oldest first (pages are read until a seen event appears). */
async function recentEvents(
  client: CloudFormationClient,
  stackId: string,
  seen: ReadonlySet<string>,
): Promise<StackEventView[]> {
  const out: StackEventView[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeStackEventsCommand({ StackName: stackId, NextToken: token }),
    );
    let reachedSeen = false;
    for (const e of page.StackEvents ?? []) {
      if (seen.has(e.EventId!)) {
        reachedSeen = true;
        break;
      }
      const v: StackEventView = {
        eventId: e.EventId!,
        timestamp: e.Timestamp ?? new Date(0),
        logicalId: e.LogicalResourceId ?? "",
        type: e.ResourceType ?? "",
        status: e.ResourceStatus ?? "",
      };
      if (e.ResourceStatusReason) v.reason = e.ResourceStatusReason;
      if (e.PhysicalResourceId) v.physicalId = e.PhysicalResourceId;
      out.push(v);
    }
    token = reachedSeen ? undefined : page.NextToken;
  } while (token);
  return out.reverse();
}

export function outputsOf(stack: Stack | undefined): StackDeployResult["outputs"] {
  return (stack?.Outputs ?? []).map((o) => ({
    key: o.OutputKey ?? "",
    value: o.OutputValue ?? "",
    ...(o.Description ? { description: o.Description } : {}),
  }));
}

/** Deletes a stack and follows it to DELETE_COMPLETE (or the failure that stopped it). */
export async function deleteStackAndWait(
  client: CloudFormationClient,
  o: Pick<
    StackChangeOptions,
    "stackName" | "pollMs" | "clock" | "retry" | "statusCommand" | "onRetry"
  >,
  onEvent?: (e: StackEventView) => void,
): Promise<StackDeployResult> {
  const clock = o.clock ?? realClock;
  const pollMs = o.pollMs ?? 2000;
  const retry = <T>(call: () => Promise<T>) =>
    withRetry(
      call,
      waitingFor(o as StackChangeOptions),
      clock,
      o.retry ?? DEFAULT_RETRY,
      o.onRetry,
    );
  const result: StackDeployResult = {
    outcome: "deleted",
    rolledBack: false,
    outputs: [],
    changes: [],
  };
  const existing = await describeStack(client, o.stackName);
  if (!existing || existing.StackStatus === "DELETE_COMPLETE") {
    result.finalStatus = "DELETE_COMPLETE";
    return result;
  }
  const stackId = existing.StackId!;
  result.stackId = stackId;
  const seen = new Set(
    (await retry(() => recentEvents(client, stackId, new Set()))).map((e) => e.eventId),
  );
  await client.send(new DeleteStackCommand({ StackName: stackId }));
  const history: StackEventView[] = [];
  for (;;) {
    await clock.sleep(pollMs);
    for (const e of await retry(() => recentEvents(client, stackId, seen))) {
      seen.add(e.eventId);
      history.push(e);
      onEvent?.(e);
    }
    const s = (await retry(() => client.send(new DescribeStacksCommand({ StackName: stackId }))))
      .Stacks?.[0];
    result.finalStatus = s?.StackStatus;
    if (!(s?.StackStatus ?? "").endsWith("_IN_PROGRESS")) break;
  }
  if (result.finalStatus !== "DELETE_COMPLETE") {
    result.outcome = "failed";
    const first = history.find((e) => e.status === "DELETE_FAILED" && e.reason);
    if (first) {
      result.failureReason = first.reason!;
      result.failedResource = first.logicalId;
    }
  }
  return result;
}
