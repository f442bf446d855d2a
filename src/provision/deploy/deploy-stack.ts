/**
 * Stack deployment through a change set, as `aws cloudformation deploy` does it: create the
 * change set (CREATE or UPDATE), wait for it, show it, confirm, execute, follow the events to a
 * final status. AWS SDK v3 only; the caller gives the client and renders everything.
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
import {
  type Clock,
  type PlannedChange,
  realClock,
  type StackDeployResult,
  type StackEventView,
} from "./types.js";

export interface DeployStackOptions {
  stackName: string;
  templateBody: string;
  parameters?: Readonly<Record<string, string>>;
  capabilities?: string[];
  /** Default `bb-oidc-<epoch ms>`. */
  changeSetName?: string;
  /** How often to poll; default 2000 ms (use less against the emulator). */
  pollMs?: number;
  clock?: Clock;
  now?: () => number;
}

export interface DeployStackCallbacks {
  /** The change set is ready; return false to abandon it (it is then deleted). */
  confirm(changes: PlannedChange[], changeSetType: "CREATE" | "UPDATE"): Promise<boolean>;
  onPhase?(phase: "change-set" | "executing"): void;
  /** Each new stack event, oldest first, as it appears. */
  onEvent?(event: StackEventView): void;
}

const NO_CHANGES = [/didn't contain changes/, /No updates are to be performed/];
const SUCCESS = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE"]);

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e?.name === "ValidationError" && /does not exist/.test(e.message ?? "");
}

async function describeStack(
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

export async function deployStack(
  client: CloudFormationClient,
  options: DeployStackOptions,
  callbacks: DeployStackCallbacks,
): Promise<StackDeployResult> {
  const clock = options.clock ?? realClock;
  const pollMs = options.pollMs ?? 2000;
  const existing = await describeStack(client, options.stackName);
  if (
    existing &&
    ["ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED"].includes(
      existing.StackStatus ?? "",
    )
  ) {
    throw new BbOidcError(
      "ERR_STACK_NOT_UPDATABLE",
      `stack ${options.stackName} is in ${existing.StackStatus} and cannot be updated`,
      {
        hint: `Delete it first (aws cloudformation delete-stack --stack-name ${options.stackName}), then deploy again.`,
      },
    );
  }
  if (
    existing?.StackStatus?.endsWith("_IN_PROGRESS") &&
    existing.StackStatus !== "REVIEW_IN_PROGRESS"
  ) {
    throw new BbOidcError(
      "ERR_STACK_BUSY",
      `stack ${options.stackName} is busy (${existing.StackStatus})`,
      {
        hint: "Wait for the running operation to finish, then deploy again.",
      },
    );
  }
  const type: "CREATE" | "UPDATE" =
    !existing || existing.StackStatus === "REVIEW_IN_PROGRESS" ? "CREATE" : "UPDATE";
  const changeSetName = options.changeSetName ?? `bb-oidc-${(options.now ?? Date.now)()}`;

  callbacks.onPhase?.("change-set");
  const created = await client.send(
    new CreateChangeSetCommand({
      StackName: options.stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: type,
      TemplateBody: options.templateBody,
      Parameters: parametersFor(options, type === "UPDATE" ? existing : undefined),
      Capabilities: (options.capabilities ?? []) as Capability[],
    }),
  );
  const csId = created.Id!;
  let cs: DescribeChangeSetCommandOutput;
  for (;;) {
    cs = await client.send(new DescribeChangeSetCommand({ ChangeSetName: csId }));
    if (cs.Status === "CREATE_COMPLETE" || cs.Status === "FAILED") break;
    await clock.sleep(pollMs);
  }
  const result: StackDeployResult = {
    outcome: "no-changes",
    stackId: created.StackId!,
    changeSetType: type,
    rolledBack: false,
    outputs: [],
    changes: [],
  };
  if (cs.Status === "FAILED") {
    if (NO_CHANGES.some((re) => re.test(cs.StatusReason ?? ""))) {
      await client.send(new DeleteChangeSetCommand({ ChangeSetName: csId })).catch(() => {});
      result.finalStatus = existing?.StackStatus;
      result.outputs = outputsOf(existing);
      return result;
    }
    throw new BbOidcError(
      "ERR_CHANGE_SET_FAILED",
      `the change set failed: ${cs.StatusReason ?? "no reason given"}`,
    );
  }
  result.changes = await allChanges(client, cs);
  let go: boolean;
  try {
    go = await callbacks.confirm(result.changes, type);
  } catch (err) {
    await abandon(client, csId, type === "CREATE" ? created.StackId! : undefined);
    throw err;
  }
  if (!go) {
    await abandon(client, csId, type === "CREATE" ? created.StackId! : undefined);
    result.outcome = "cancelled";
    return result;
  }

  const seen = new Set(
    (await recentEvents(client, created.StackId!, new Set())).map((e) => e.eventId),
  );
  callbacks.onPhase?.("executing");
  await client.send(new ExecuteChangeSetCommand({ ChangeSetName: csId }));
  let stack: Stack | undefined;
  const history: StackEventView[] = [];
  for (;;) {
    await clock.sleep(pollMs);
    const fresh = await recentEvents(client, created.StackId!, seen);
    for (const e of fresh) {
      seen.add(e.eventId);
      history.push(e);
      callbacks.onEvent?.(e);
    }
    stack = (await client.send(new DescribeStacksCommand({ StackName: created.StackId! })))
      .Stacks?.[0];
    const status = stack?.StackStatus ?? "";
    if (!status.endsWith("_IN_PROGRESS")) {
      // Events written just before the final status may not have been listed yet.
      for (const e of await recentEvents(client, created.StackId!, seen)) {
        seen.add(e.eventId);
        history.push(e);
        callbacks.onEvent?.(e);
      }
      break;
    }
  }
  result.finalStatus = stack?.StackStatus;
  result.outputs = outputsOf(stack);
  result.rolledBack = /ROLLBACK/.test(result.finalStatus ?? "");
  if (SUCCESS.has(result.finalStatus ?? "")) {
    result.outcome = type === "CREATE" ? "created" : "updated";
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

/** Deletes an unexecuted change set, and the REVIEW_IN_PROGRESS stack made only to hold it. */
async function abandon(
  client: CloudFormationClient,
  changeSetId: string,
  reviewStackId: string | undefined,
) {
  await client.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId })).catch(() => {});
  if (reviewStackId)
    await client.send(new DeleteStackCommand({ StackName: reviewStackId })).catch(() => {});
}

/**
 * Given values, plus UsePreviousValue for parameters the stack already has and the new template
 * still declares, so an update never silently resets a value to its default.
 */
function parametersFor(options: DeployStackOptions, existing: Stack | undefined): Parameter[] {
  const given = options.parameters ?? {};
  const out: Parameter[] = Object.entries(given).map(([k, v]) => ({
    ParameterKey: k,
    ParameterValue: v,
  }));
  if (existing) {
    const declared = new Set(
      Object.keys(readTemplate(options.templateBody, "template").template.Parameters ?? {}),
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
    page = page.NextToken
      ? await client.send(
          new DescribeChangeSetCommand({
            ChangeSetName: first.ChangeSetId!,
            NextToken: page.NextToken,
          }),
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

function outputsOf(stack: Stack | undefined): StackDeployResult["outputs"] {
  return (stack?.Outputs ?? []).map((o) => ({
    key: o.OutputKey ?? "",
    value: o.OutputValue ?? "",
    ...(o.Description ? { description: o.Description } : {}),
  }));
}
