/**
 * `deploy --config FILE`: lint what would be deployed, plan it against what is deployed, show
 * the plan per account and OU with every unit's changes, ask, then execute and report each unit.
 */
import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import type { S3Client } from "@aws-sdk/client-s3";
import type { BbOidcConfig } from "../../provision/config/types.js";
import {
  abandonConfigDeploy,
  type ConfigDeployInput,
  type ConfigDeployResult,
  type ConfigPreview,
  executeConfigDeploy,
  previewConfigDeploy,
  type UnitResult,
} from "../../provision/deploy/deploy-config.js";
import { buildTemplate, renderTemplate } from "../../provision/template/index.js";
import { EXIT } from "../report-error.js";
import { providerExistsHint } from "./aws-clients.js";
import { confirm } from "./confirm.js";
import { lintGate } from "./lint-gate.js";
import { humanStream, type OutputFormat, printJson } from "./output.js";
import { eventLine, planText } from "./render.js";

export interface ConfigDeploy {
  config: BbOidcConfig;
  configFile: string;
  input: ConfigDeployInput;
  yes?: boolean;
  allowLintErrors?: boolean;
  format: OutputFormat;
}

export async function runConfigDeploy(
  clients: { cfn: CloudFormationClient; s3?: S3Client },
  d: ConfigDeploy,
): Promise<number> {
  const out = humanStream(d.format);
  // The whole config as one template: lint judges roles and the provider, not how they are split.
  const whole = renderTemplate(buildTemplate(d.config, d.input.build ?? {}), "yaml");
  await lintGate([{ file: `${d.configFile} (built template)`, text: whole }], {
    allowErrors: d.allowLintErrors === true,
    lintCommand: `bb-oidc template --config ${d.configFile} --out bb-oidc.template.yaml && bb-oidc lint bb-oidc.template.yaml`,
    lines: false,
  });
  process.stderr.write(`Planning ${d.input.baseName}: reading what is deployed…\n`);
  const preview = await previewConfigDeploy(clients, d.input);
  if (d.format === "text") out.write(planText(preview, d.input.baseName, d.input.region));
  if (!preview.changed) {
    if (d.format === "json") printJson(jsonOf(d, preview, "no-changes", undefined));
    else out.write(`\nNo changes to deploy: ${d.input.baseName} is up to date.\n`);
    return EXIT.ok;
  }
  let go: boolean;
  try {
    go = await confirm("Execute this plan?", d.yes, "execute the plan");
  } catch (err) {
    await abandonConfigDeploy(clients, preview);
    throw err;
  }
  if (!go) {
    await abandonConfigDeploy(clients, preview);
    if (d.format === "json") printJson(jsonOf(d, preview, "declined", undefined));
    else out.write("Not executed; the change sets were deleted and nothing was changed.\n");
    return EXIT.failed;
  }
  const result = await executeConfigDeploy(clients, preview, d.input, {
    onUnit: (name, phase, r) => {
      if (phase === "start") out.write(`\n${name}:\n`);
      else if (r) out.write(`${name}: ${r.outcome}${r.finalStatus ? ` (${r.finalStatus})` : ""}\n`);
    },
    onEvent: (_unit, e) => out.write(`${eventLine(e)}\n`),
    onInstance: (_unit, row) =>
      out.write(
        `  ${row.account}  ${row.region.padEnd(14)}  ${row.status}${row.reason ? `  ${row.reason}` : ""}\n`,
      ),
    onRetry: (err, ms) =>
      process.stderr.write(
        `bb-oidc: CloudFormation could not be reached (${(err as Error).message}); trying again in ${Math.round(ms / 1000)} s\n`,
      ),
  });
  if (d.format === "json") {
    printJson(jsonOf(d, preview, result.failed ? "failed" : "deployed", result));
  } else {
    for (const u of result.units.filter((r) => r.outcome === "failed")) reportFailure(u);
    if (!result.failed) out.write(`\n${d.input.baseName}: deployed.\n`);
  }
  return result.failed ? EXIT.failed : EXIT.ok;
}

function reportFailure(u: UnitResult): void {
  const what = u.failedResource ? ` (${u.failedResource})` : "";
  const reason = u.failureReason ?? "no reason was reported";
  process.stderr.write(
    `\nbb-oidc: ${u.kind === "stack" ? "stack" : "StackSet"} ${u.name} failed${what}: ${reason}\n`,
  );
  if (u.finalStatus) process.stderr.write(`  the stack is ${u.finalStatus}\n`);
  const hint = providerExistsHint(reason);
  if (hint) process.stderr.write(`  → ${hint}\n`);
}

function jsonOf(
  d: ConfigDeploy,
  p: ConfigPreview,
  outcome: "deployed" | "no-changes" | "declined" | "failed",
  result: ConfigDeployResult | undefined,
) {
  return {
    stackName: d.input.baseName,
    region: d.input.region,
    mechanism: p.mechanism,
    outcome,
    plan: {
      accounts: p.plan.accounts,
      organizationalUnits: p.plan.ous,
      units: p.units.map((u) => ({
        name: u.name,
        kind: u.kind,
        ...(u.unit?.permissionModel ? { permissionModel: u.unit.permissionModel } : {}),
        action: u.action,
        ...(u.unit
          ? {
              accounts: u.unit.accounts,
              organizationalUnits: u.unit.organizationalUnits,
              roles: u.unit.roles,
              provider: u.unit.provider,
              resources: u.unit.measure.resources,
              bytes: u.unit.measure.bytes,
              transport: u.unit.transport,
            }
          : {}),
        changes: u.changes,
        instancesAdded: u.targetsAdded,
        instancesRemoved: u.targetsRemoved,
      })),
    },
    ...(result
      ? {
          results: result.units.map((r) => {
            const hint = r.failureReason ? providerExistsHint(r.failureReason) : undefined;
            return { ...r, ...(hint ? { hint } : {}) };
          }),
        }
      : {}),
  };
}
