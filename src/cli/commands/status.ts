import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { loadConfig } from "../../provision/config/index.js";
import { chooseMechanism } from "../../provision/deploy/deploy-config.js";
import { instanceRows } from "../../provision/deploy/deploy-stackset.js";
import type { InstanceRow } from "../../provision/deploy/index.js";
import {
  type DeployedUnit,
  deployedThroughS3,
  deployedUnits,
} from "../../provision/deploy/live-units.js";
import { planDeployment } from "../../provision/plan/plan.js";
import { awsFailure, callerAccount, cloudFormation, requireRegion } from "../deploy/aws-clients.js";
import { providerOuMembers } from "../deploy/ou-members.js";
import { humanStream, outputFormat, printJson, withJsonErrors } from "../deploy/output.js";
import { instanceTable, table } from "../deploy/render.js";
import { readEgressRanges } from "../egress-ranges.js";
import { readTextFile } from "../io.js";
import { EXIT } from "../report-error.js";

interface StatusOptions {
  stackName?: string;
  config?: string;
  region?: string;
  endpointUrl?: string;
  format?: string;
  ipRanges?: string;
  s3Bucket?: string;
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description(
      "Show what a deployment left in AWS: its stacks and StackSets, their status and instances, and (with --config) whether they still match bb-oidc.yaml. Exit 0 all settled and in sync, 1 something failed, is changing or differs, 2 invalid input.",
    )
    .option("--stack-name <name>", "the name deploy was given (every unit starts with it)")
    .option("--config <file>", "a bb-oidc.yaml to compare with what is deployed")
    .option("--region <region>", "AWS region (default: the SDK's resolution)")
    .option("--endpoint-url <url>", "AWS endpoint (e.g. the bb-oidc emulator)")
    .option("--ip-ranges <file>", "Atlassian's ip-ranges JSON, for sourceIps: bitbucket-egress")
    .option(
      "--s3-bucket <bucket>",
      "as given to deploy (units may then be larger; a deployment made through S3 is recognised without it)",
    )
    .option("--format <text|json>", "output format", "text")
    .action(async (opts: StatusOptions) => {
      const format = outputFormat(opts.format);
      process.exitCode = await withJsonErrors(format, () => runStatus(opts, format));
    });
}

interface UnitStatus {
  name: string;
  kind: "stack" | "stackset";
  status: string;
  roles: string[];
  instances?: InstanceRow[];
  /** With --config: whether the deployed template is the one deploy would send now. */
  inSync?: boolean;
  healthy: boolean;
}

const UNHEALTHY = /FAILED|ROLLBACK|IN_PROGRESS/;

async function runStatus(opts: StatusOptions, format: "text" | "json"): Promise<number> {
  if (!opts.stackName) throw new InputError("--stack-name is required");
  const region = requireRegion(opts);
  const cfn = cloudFormation(opts);
  try {
    const deployed = await deployedUnits(cfn, opts.stackName);
    const units: UnitStatus[] = [];
    for (const d of deployed) {
      const instances = d.kind === "stackset" ? await instanceRows(cfn, d.name) : undefined;
      const healthy =
        !UNHEALTHY.test(d.status) &&
        (instances ?? []).every((i) => i.status === "SUCCEEDED" || i.status === "CURRENT");
      units.push({
        name: d.name,
        kind: d.kind,
        status: d.status,
        // A stack whose creation rolled back holds nothing, whatever its template names.
        roles: d.status === "ROLLBACK_COMPLETE" ? [] : d.roles,
        ...(instances ? { instances } : {}),
        healthy,
      });
    }
    let missing: string[] = [];
    if (opts.config) missing = await compare(opts, region, deployed, units);
    const ok = units.every((u) => u.healthy && u.inSync !== false) && missing.length === 0;
    if (format === "json") {
      printJson({
        stackName: opts.stackName,
        region,
        units,
        ...(opts.config ? { missing } : {}),
        ok,
      });
    } else {
      const out = humanStream(format);
      if (units.length === 0) out.write(`Nothing deployed under ${opts.stackName} in ${region}.\n`);
      else {
        out.write(
          `${table([
            ["Unit", "Kind", "Status", "Roles", ...(opts.config ? ["Matches config"] : [])],
            ...units.map((u) => [
              u.name,
              u.kind === "stack" ? "stack" : "StackSet",
              u.status,
              u.status === "ROLLBACK_COMPLETE"
                ? "0 (creation rolled back)"
                : String(u.roles.length),
              ...(opts.config ? [u.inSync ? "yes" : "no"] : []),
            ]),
          ])}\n`,
        );
        for (const u of units.filter((x) => x.instances && x.instances.length > 0)) {
          out.write(`\nStackSet ${u.name}:\n${instanceTable(u.instances!)}\n`);
        }
      }
      if (missing.length > 0)
        out.write(`\nNot deployed yet: ${missing.join(", ")} (run bb-oidc deploy).\n`);
    }
    return ok ? EXIT.ok : EXIT.failed;
  } catch (err) {
    throw awsFailure(err);
  } finally {
    cfn.destroy();
  }
}

/** Marks each unit in sync or not with what deploy would send now; returns units not deployed. */
async function compare(
  opts: StatusOptions,
  region: string,
  deployed: DeployedUnit[],
  units: UnitStatus[],
): Promise<string[]> {
  const config = loadConfig(readTextFile(opts.config!, "--config"), opts.config!);
  const egressRanges = opts.ipRanges ? readEgressRanges(opts.ipRanges) : undefined;
  const account = await callerAccount({ ...opts, region });
  const ouAccounts = await providerOuMembers({ ...opts, region }, config, account);
  const mechanism = deployed.some((d) => d.kind === "stackset")
    ? "stacksets"
    : chooseMechanism(config, account);
  const kind = mechanism === "stacks" ? "stack" : "stackset";
  const sameKind = deployed.filter((d) => d.kind === kind);
  // A deployment made through S3 is compared with S3's budget, bucket named or not.
  const viaS3 = opts.s3Bucket !== undefined || deployedThroughS3(sameKind).length > 0;
  const plan = planDeployment({
    config,
    baseName: opts.stackName!,
    mechanism,
    callerAccount: account,
    transport: viaS3 ? "s3" : "inline",
    existing: new Map(sameKind.map((d) => [d.name, d.roles])),
    ...(ouAccounts ? { ouAccounts } : {}),
    ...(egressRanges ? { build: { egressRanges } } : {}),
  });
  for (const u of units) {
    const planned = plan.units.find((p) => p.name === u.name && p.kind === u.kind);
    u.inSync =
      planned !== undefined &&
      planned.body === deployed.find((d) => d.name === u.name && d.kind === u.kind)?.templateBody;
  }
  return plan.units
    .filter((p) => !units.some((u) => u.name === p.name && u.kind === p.kind))
    .map((p) => p.name);
}
