/**
 * `deploy --template FILE`: one template, as a stack through a change set or as a StackSet to
 * accounts/OUs — the template as written, through S3 when it is too large to send inline.
 */
import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { InputError } from "../../errors.js";
import {
  deployStack,
  deployStackSet,
  type OperationPreferences,
  type StackDeployResult,
} from "../../provision/deploy/index.js";
import type { RetryPolicy } from "../../provision/deploy/poll-retry.js";
import { readTemplate } from "../../provision/reader/index.js";
import { EXIT } from "../report-error.js";
import { providerExistsHint } from "./aws-clients.js";
import { confirm } from "./confirm.js";
import { humanStream, type OutputFormat, printJson } from "./output.js";
import { changeTable, eventLine, instanceTable, LiveView } from "./render.js";

export interface TemplateDeploy {
  stackName: string;
  body: string;
  templateUrl?: string;
  parameters: Record<string, string>;
  capabilities: string[];
  yes?: boolean;
  format: OutputFormat;
  pollMs: number;
  retry: RetryPolicy;
}

/** IAM resources exist once per account: a second region would make them again, and fail. */
export function refuseGlobalInManyRegions(body: string, regions: readonly string[]): void {
  if (regions.length < 2) return;
  const types = Object.values(readTemplate(body, "template").template.Resources).map((r) => r.Type);
  if (types.length > 0 && types.every((t) => t.startsWith("AWS::IAM::"))) {
    throw new InputError(
      `refusing to deploy to ${regions.length} regions (${regions.join(", ")}): the template holds only IAM resources, which are global; the second region's instance would create the same roles and provider again and fail`,
      {
        hint: `Deploy the StackSet to one region (--regions ${regions[0]}): its roles work in every region.`,
      },
    );
  }
}

export async function runTemplateStack(
  cfn: CloudFormationClient,
  d: TemplateDeploy,
): Promise<number> {
  const out = humanStream(d.format);
  const view = out.isTTY && d.format === "text" ? new LiveView(out) : undefined;
  let declined = false;
  const result = await deployStack(
    cfn,
    {
      stackName: d.stackName,
      templateBody: d.body,
      ...(d.templateUrl ? { templateUrl: d.templateUrl } : {}),
      parameters: d.parameters,
      capabilities: d.capabilities,
      pollMs: d.pollMs,
      retry: d.retry,
      onRetry: (err, ms) =>
        process.stderr.write(
          `bb-oidc: CloudFormation could not be reached (${(err as Error).message}); trying again in ${Math.round(ms / 1000)} s\n`,
        ),
    },
    {
      onPhase: (phase) => {
        if (phase === "change-set")
          process.stderr.write(`Creating a change set for stack ${d.stackName}…\n`);
        else out.write(`Executing the change set for stack ${d.stackName}:\n`);
      },
      confirm: async (changes, type) => {
        out.write(
          `\n${type === "CREATE" ? "New stack" : "Changes to stack"} ${d.stackName}:\n${changeTable(changes)}\n`,
        );
        const go = await confirm("Execute these changes?", d.yes);
        declined = !go;
        return go;
      },
      onEvent: (e) => (view ? view.update(e) : out.write(`${eventLine(e)}\n`)),
    },
  );
  return reportStack(result, d, declined);
}

function reportStack(r: StackDeployResult, d: TemplateDeploy, declined: boolean): number {
  const out = humanStream(d.format);
  const code = r.outcome === "failed" || declined ? EXIT.failed : EXIT.ok;
  const hint = r.failureReason ? providerExistsHint(r.failureReason, "template") : undefined;
  if (d.format === "json") {
    printJson({
      stackName: d.stackName,
      outcome: declined ? "declined" : r.outcome,
      ...(r.stackId ? { stackId: r.stackId } : {}),
      ...(r.finalStatus ? { status: r.finalStatus } : {}),
      changes: r.changes,
      outputs: r.outputs,
      ...(r.failureReason
        ? { failureReason: r.failureReason, failedResource: r.failedResource }
        : {}),
      ...(hint ? { hint } : {}),
    });
    return code;
  }
  switch (r.outcome) {
    case "no-changes":
      out.write(`No changes to deploy: stack ${d.stackName} is up to date.\n`);
      break;
    case "cancelled":
      out.write("Not executed; the change set was deleted.\n");
      break;
    case "created":
    case "updated":
      out.write(`\nStack ${d.stackName}: ${r.finalStatus}\n`);
      for (const o of r.outputs) out.write(`  ${o.key} = ${o.value}\n`);
      break;
    default: {
      const what = r.failedResource ? ` (${r.failedResource})` : "";
      process.stderr.write(
        `\nbb-oidc: stack ${d.stackName} failed${what}: ${r.failureReason ?? "no reason was reported"}\n`,
      );
      if (r.rolledBack) process.stderr.write(`  rolled back: the stack is ${r.finalStatus}\n`);
      else process.stderr.write(`  the stack is ${r.finalStatus}\n`);
      if (hint) process.stderr.write(`  → ${hint}\n`);
    }
  }
  return code;
}

export interface TemplateStackSetDeploy extends TemplateDeploy {
  accounts: string[];
  organizationalUnits: string[];
  regions: string[];
  preferences: OperationPreferences;
}

export async function runTemplateStackSet(
  cfn: CloudFormationClient,
  d: TemplateStackSetDeploy,
): Promise<number> {
  const out = humanStream(d.format);
  const result = await deployStackSet(
    cfn,
    {
      stackSetName: d.stackName,
      templateBody: d.body,
      ...(d.templateUrl ? { templateUrl: d.templateUrl } : {}),
      parameters: d.parameters,
      capabilities: d.capabilities,
      ...(d.accounts.length > 0
        ? { accounts: d.accounts }
        : { organizationalUnits: d.organizationalUnits }),
      regions: d.regions,
      preferences: d.preferences,
      pollMs: d.pollMs,
      retry: d.retry,
    },
    {
      onOperation: (op) =>
        out.write(`StackSet ${d.stackName}: operation ${op.id} (${op.action})\n`),
      onProgress: (r) =>
        out.write(
          `  ${r.account}  ${r.region.padEnd(14)}  ${r.status}${r.reason ? `  ${r.reason}` : ""}\n`,
        ),
    },
  );
  const reasons = [
    ...result.instances.map((i) => i.reason),
    ...result.operations.map((o) => o.reason),
  ];
  const hint = reasons
    .map((x) => (x ? providerExistsHint(x, "template") : undefined))
    .find((h) => h !== undefined);
  if (d.format === "json") {
    printJson({
      stackSetName: d.stackName,
      outcome: result.failed ? "failed" : "deployed",
      ...result,
      ...(hint ? { hint } : {}),
    });
    return result.failed ? EXIT.failed : EXIT.ok;
  }
  out.write(`\n${instanceTable(result.instances)}\n`);
  for (const op of result.operations) {
    out.write(
      `operation ${op.id} (${op.action}): ${op.status}${op.reason ? ` — ${op.reason}` : ""}\n`,
    );
  }
  if (result.failed) {
    process.stderr.write(`bb-oidc: StackSet ${d.stackName} failed beyond its failure tolerance\n`);
    if (hint) process.stderr.write(`  → ${hint}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
