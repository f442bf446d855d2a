/**
 * `deploy --config`: the plan (src/provision/plan) carried out. Preview first — a change set per
 * stack, a template and instance diff per StackSet, the units to delete — then, once accepted,
 * execute in an order that never needs a role in two places at once: providers, then units that
 * give up roles, then units that gain them, and units no longer needed last of all.
 */
import {
  type CloudFormationClient,
  ListStackInstancesCommand,
  type ListStackInstancesCommandOutput,
} from "@aws-sdk/client-cloudformation";
import type { S3Client } from "@aws-sdk/client-s3";
import { InputError } from "../../errors.js";
import type { BbOidcConfig } from "../config/types.js";
import { type DeployPlan, type Mechanism, planDeployment, type Unit } from "../plan/plan.js";
import type { BuildOptions } from "../template/build-template.js";
import { deployStackSet, destroyStackSet, type OperationPreferences } from "./deploy-stackset.js";
import {
  type DeployedUnit,
  deployedThroughS3,
  deployedUnits,
  rolesInTemplate,
} from "./live-units.js";
import type { RetryPolicy } from "./poll-retry.js";
import {
  abandonStackChange,
  deleteStackAndWait,
  executeStackChange,
  type PreparedChange,
  prepareStackChange,
  type StackChangeOptions,
} from "./stack-change.js";
import type { Clock, InstanceRow, PlannedChange, StackEventView } from "./types.js";
import { difference, templateChanges } from "./unit-diff.js";
import { type TemplateBucket, uploadTemplate } from "./upload.js";

export interface ConfigDeployInput {
  config: BbOidcConfig;
  baseName: string;
  region: string;
  /** The account the credentials belong to. */
  callerAccount: string;
  /** Forced; by default stacks when every role is in the caller's account, else StackSets. */
  mechanism?: Mechanism;
  /** Where templates over 51,200 bytes go; without it, units stay within the inline limit. */
  bucket?: TemplateBucket;
  capabilities: string[];
  preferences?: OperationPreferences;
  build?: Omit<BuildOptions, "unit">;
  /** The accounts each OU of the config reaches (see PlanInput.ouAccounts). */
  ouAccounts?: ReadonlyMap<string, readonly string[]>;
  pollMs?: number;
  clock?: Clock;
  retry?: RetryPolicy;
  now?: () => number;
  /** `bb-oidc status …` for this deployment, named when contact is lost. */
  statusCommand: string;
}

export interface ConfigDeployClients {
  cfn: CloudFormationClient;
  s3?: S3Client;
}

export type UnitAction = "create" | "update" | "none" | "delete";

export interface UnitPreview {
  name: string;
  kind: "stack" | "stackset";
  action: UnitAction;
  unit?: Unit;
  deployed?: DeployedUnit;
  /** Resource changes (a change set's for stacks, a template diff for StackSets). */
  changes: PlannedChange[];
  /** Accounts (or OUs) whose instances are added or deleted. */
  targetsAdded: string[];
  targetsRemoved: string[];
  templateUrl?: string;
  prepared?: PreparedChange;
  /**
   * A stack whose creation failed and rolled back (ROLLBACK_COMPLETE): it holds nothing and AWS
   * can only delete it, so the deployment deletes it and creates it again.
   */
  replacesFailed?: true;
}

export interface ConfigPreview {
  mechanism: Mechanism;
  plan: DeployPlan;
  units: UnitPreview[];
  /** Whether anything would change. */
  changed: boolean;
}

export interface UnitResult {
  name: string;
  kind: "stack" | "stackset";
  action: UnitAction;
  outcome: "created" | "updated" | "deleted" | "no-changes" | "failed" | "skipped";
  finalStatus?: string;
  failureReason?: string;
  failedResource?: string;
  instances?: InstanceRow[];
  outputs?: Array<{ key: string; value: string }>;
}

export interface ConfigDeployResult {
  units: UnitResult[];
  failed: boolean;
}

export interface ConfigDeployCallbacks {
  onUnit?(name: string, phase: "start" | "done", result?: UnitResult): void;
  onEvent?(unit: string, e: StackEventView): void;
  onInstance?(unit: string, row: InstanceRow): void;
  onRetry?(err: unknown, delayMs: number): void;
}

/** Stacks when every role lives in the caller's account; StackSets otherwise. */
export function chooseMechanism(config: BbOidcConfig, callerAccount: string): Mechanism {
  return config.roles.every((r) => r.accounts?.every((a) => a === callerAccount))
    ? "stacks"
    : "stacksets";
}

function stackOptions(
  input: ConfigDeployInput,
  name: string,
  body: string,
  templateUrl: string | undefined,
): StackChangeOptions {
  return {
    stackName: name,
    templateBody: body,
    ...(templateUrl ? { templateUrl } : {}),
    capabilities: input.capabilities,
    ...(input.pollMs === undefined ? {} : { pollMs: input.pollMs }),
    ...(input.clock ? { clock: input.clock } : {}),
    ...(input.retry ? { retry: input.retry } : {}),
    ...(input.now ? { now: input.now } : {}),
    statusCommand: input.statusCommand,
  };
}

async function instanceTargets(
  cfn: CloudFormationClient,
  name: string,
  serviceManaged: boolean,
): Promise<string[]> {
  const out = new Set<string>();
  let token: string | undefined;
  do {
    const page: ListStackInstancesCommandOutput = await cfn.send(
      new ListStackInstancesCommand({ StackSetName: name, NextToken: token }),
    );
    for (const i of page.Summaries ?? []) {
      const t = serviceManaged ? i.OrganizationalUnitId : i.Account;
      if (t) out.add(t);
    }
    token = page.NextToken;
  } while (token);
  return [...out].sort();
}

export async function previewConfigDeploy(
  clients: ConfigDeployClients,
  input: ConfigDeployInput,
): Promise<ConfigPreview> {
  const mechanism = input.mechanism ?? chooseMechanism(input.config, input.callerAccount);
  const kind = mechanism === "stacks" ? "stack" : "stackset";
  const deployed = await deployedUnits(clients.cfn, input.baseName);
  const sameKind = new Map(
    deployed.filter((d) => d.kind === kind).map((d) => [d.name, d.roles] as const),
  );
  const viaS3 = deployedThroughS3(deployed.filter((d) => d.kind === kind));
  if (!input.bucket && viaS3.length > 0) {
    // Planned within a request's 51,200 bytes, those units would be split and their roles moved:
    // a role that moves is deleted from one unit and created again by another.
    const names = viaS3.map((d) => d.name);
    throw new InputError(
      `${names.length === 1 ? `${names[0]} was` : `${names.join(", ")} were`} deployed through S3 (over the 51,200 bytes a request takes); without --s3-bucket, bb-oidc would split ${names.length === 1 ? "it" : "them"} and move roles between units, deleting each moved role and creating it again`,
      { hint: "Pass --s3-bucket (and --s3-prefix) as at the last deploy." },
    );
  }
  const plan = planDeployment({
    config: input.config,
    baseName: input.baseName,
    mechanism,
    callerAccount: input.callerAccount,
    transport: input.bucket ? "s3" : "inline",
    existing: sameKind,
    ...(input.ouAccounts ? { ouAccounts: input.ouAccounts } : {}),
    ...(input.build ? { build: input.build } : {}),
  });
  const units: UnitPreview[] = [];
  try {
    for (const unit of plan.units) {
      const was = deployed.find((d) => d.kind === unit.kind && d.name === unit.name);
      let templateUrl: string | undefined;
      if (unit.transport === "s3") {
        if (!input.bucket || !clients.s3) throw new Error(`unit ${unit.name} needs an S3 bucket`);
        templateUrl = await uploadTemplate(clients.s3, input.bucket, unit.name, unit.body);
      }
      if (unit.kind === "stack" && was?.status === "ROLLBACK_COMPLETE") {
        units.push({
          name: unit.name,
          kind: "stack",
          action: "create",
          unit,
          deployed: was,
          changes: templateChanges(undefined, unit.template),
          targetsAdded: unit.accounts,
          targetsRemoved: [],
          ...(templateUrl ? { templateUrl } : {}),
          replacesFailed: true,
        });
        continue;
      }
      if (unit.kind === "stack") {
        const prepared = await prepareStackChange(
          clients.cfn,
          stackOptions(input, unit.name, unit.body, templateUrl),
        );
        units.push({
          name: unit.name,
          kind: "stack",
          action: prepared.noChanges ? "none" : prepared.type === "CREATE" ? "create" : "update",
          unit,
          ...(was ? { deployed: was } : {}),
          changes: prepared.changes,
          targetsAdded: was ? [] : unit.accounts,
          targetsRemoved: [],
          ...(templateUrl ? { templateUrl } : {}),
          prepared,
        });
        continue;
      }
      const serviceManaged = unit.permissionModel === "SERVICE_MANAGED";
      const targets = serviceManaged ? unit.organizationalUnits : unit.accounts;
      const current = was ? await instanceTargets(clients.cfn, unit.name, serviceManaged) : [];
      const changes =
        was?.templateBody === unit.body ? [] : templateChanges(was?.templateBody, unit.template);
      const targetsAdded = difference(targets, current);
      const targetsRemoved = difference(current, targets);
      units.push({
        name: unit.name,
        kind: "stackset",
        action: !was
          ? "create"
          : changes.length === 0 && targetsAdded.length === 0 && targetsRemoved.length === 0
            ? "none"
            : "update",
        unit,
        ...(was ? { deployed: was } : {}),
        changes,
        targetsAdded,
        targetsRemoved,
        ...(templateUrl ? { templateUrl } : {}),
      });
    }
  } catch (err) {
    await abandonConfigDeploy(clients, { mechanism, plan, units, changed: true });
    throw err;
  }
  // Units this deployment owns and no longer needs; of the other kind too (the mechanism changed).
  const planned = new Set(plan.units.map((u) => `${u.kind}:${u.name}`));
  for (const d of deployed) {
    if (planned.has(`${d.kind}:${d.name}`)) continue;
    units.push({
      name: d.name,
      kind: d.kind,
      action: "delete",
      deployed: d,
      changes: rolesInTemplate(d.templateBody, d.name).map((r) => ({
        action: "Remove",
        logicalId: r,
        type: "AWS::IAM::Role",
      })),
      targetsAdded: [],
      targetsRemoved: [],
    });
  }
  return { mechanism, plan, units, changed: units.some((u) => u.action !== "none") };
}

/** Deletes the change sets a preview made (the stacks made only to hold them too). */
export async function abandonConfigDeploy(
  clients: ConfigDeployClients,
  preview: ConfigPreview,
): Promise<void> {
  for (const u of preview.units) if (u.prepared) await abandonStackChange(clients.cfn, u.prepared);
}

/** Providers first, then units giving up roles, then the rest; units no longer needed last. */
function rank(u: UnitPreview): number {
  const provider = u.unit?.provider === true || /-provider(-ous)?$/.test(u.name);
  if (u.action === "delete") return provider ? 5 : 1;
  if (provider) return 0;
  if (u.changes.some((c) => c.action === "Remove") || u.targetsRemoved.length > 0) return 2;
  return 3;
}

export async function executeConfigDeploy(
  clients: ConfigDeployClients,
  preview: ConfigPreview,
  input: ConfigDeployInput,
  callbacks: ConfigDeployCallbacks = {},
): Promise<ConfigDeployResult> {
  const result: ConfigDeployResult = { units: [], failed: false };
  const ordered = [...preview.units].sort((a, b) => rank(a) - rank(b));
  for (const u of ordered) {
    if (result.failed) {
      if (u.prepared) await abandonStackChange(clients.cfn, u.prepared);
      result.units.push({ name: u.name, kind: u.kind, action: u.action, outcome: "skipped" });
      continue;
    }
    if (u.action === "none") {
      result.units.push({ name: u.name, kind: u.kind, action: u.action, outcome: "no-changes" });
      continue;
    }
    callbacks.onUnit?.(u.name, "start");
    const r = await executeUnit(clients, u, input, callbacks);
    if (r.outcome === "failed") result.failed = true;
    result.units.push(r);
    callbacks.onUnit?.(u.name, "done", r);
  }
  return result;
}

async function executeUnit(
  clients: ConfigDeployClients,
  u: UnitPreview,
  input: ConfigDeployInput,
  callbacks: ConfigDeployCallbacks,
): Promise<UnitResult> {
  const base = { name: u.name, kind: u.kind, action: u.action } as const;
  const common = {
    ...(input.pollMs === undefined ? {} : { pollMs: input.pollMs }),
    ...(input.clock ? { clock: input.clock } : {}),
    ...(input.retry ? { retry: input.retry } : {}),
    statusCommand: input.statusCommand,
  };
  if (u.kind === "stack") {
    let prepared = u.prepared;
    if (u.replacesFailed) {
      const gone = await deleteStackAndWait(clients.cfn, { stackName: u.name, ...common }, (e) =>
        callbacks.onEvent?.(u.name, e),
      );
      if (gone.outcome === "failed") {
        return {
          ...base,
          outcome: "failed",
          failureReason: `the failed stack could not be deleted first: ${gone.failureReason ?? "no reason was reported"}`,
        };
      }
      prepared = await prepareStackChange(
        clients.cfn,
        stackOptions(input, u.name, u.unit!.body, u.templateUrl),
      );
    }
    const r =
      u.action === "delete"
        ? await deleteStackAndWait(clients.cfn, { stackName: u.name, ...common }, (e) =>
            callbacks.onEvent?.(u.name, e),
          )
        : await executeStackChange(
            clients.cfn,
            prepared!,
            {
              ...stackOptions(input, u.name, u.unit!.body, u.templateUrl),
              ...(callbacks.onRetry ? { onRetry: callbacks.onRetry } : {}),
            },
            (e) => callbacks.onEvent?.(u.name, e),
          );
    return {
      ...base,
      outcome: r.outcome === "cancelled" ? "failed" : r.outcome,
      ...(r.finalStatus ? { finalStatus: r.finalStatus } : {}),
      ...(r.failureReason ? { failureReason: r.failureReason } : {}),
      ...(r.failedResource ? { failedResource: r.failedResource } : {}),
      outputs: r.outputs.map((o) => ({ key: o.key, value: o.value })),
    };
  }
  const preferences: OperationPreferences = input.preferences ?? {
    maxConcurrentPercentage: 100,
    failureTolerancePercentage: 0,
    concurrencyMode: "SOFT_FAILURE_TOLERANCE",
    regionConcurrencyType: "PARALLEL",
  };
  const progress = { onProgress: (row: InstanceRow) => callbacks.onInstance?.(u.name, row) };
  if (u.action === "delete") {
    const r = await destroyStackSet(
      clients.cfn,
      { stackSetName: u.name, preferences, ...common },
      progress,
    );
    return {
      ...base,
      outcome: r.failed ? "failed" : "deleted",
      instances: r.instances,
      ...(r.failed ? { failureReason: failureOf(r.instances, r.operations) } : {}),
    };
  }
  const unit = u.unit!;
  const serviceManaged = unit.permissionModel === "SERVICE_MANAGED";
  const r = await deployStackSet(
    clients.cfn,
    {
      stackSetName: unit.name,
      templateBody: unit.body,
      ...(u.templateUrl ? { templateUrl: u.templateUrl } : {}),
      capabilities: input.capabilities,
      ...(serviceManaged
        ? { organizationalUnits: unit.organizationalUnits }
        : { accounts: unit.accounts }),
      regions: [input.region],
      preferences,
      exactTargets: true,
      ...common,
    },
    progress,
  );
  return {
    ...base,
    outcome: r.failed ? "failed" : r.created ? "created" : "updated",
    instances: r.instances,
    ...(r.failed ? { failureReason: failureOf(r.instances, r.operations) } : {}),
  };
}

function failureOf(
  instances: InstanceRow[],
  operations: Array<{ status: string; reason?: string }>,
): string {
  const row = instances.find((i) => i.status === "FAILED" && i.reason);
  if (row) return `account ${row.account}: ${row.reason}`;
  return operations.find((o) => o.status === "FAILED")?.reason ?? "the operation failed";
}
