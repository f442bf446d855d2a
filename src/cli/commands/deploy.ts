import { createInterface } from "node:readline/promises";
import {
  CloudFormationClient,
  type CloudFormationClientConfig,
} from "@aws-sdk/client-cloudformation";
import type { Command } from "commander";
import { BbOidcError, InputError } from "../../errors.js";
import { loadConfig } from "../../provision/config/index.js";
import {
  deployStack,
  deployStackSet,
  type InstanceRow,
  type OperationPreferences,
  type PlannedChange,
  type StackDeployResult,
  type StackEventView,
} from "../../provision/deploy/index.js";
import { buildTemplate, renderTemplate } from "../../provision/template/index.js";
import { collect, parseIntegerArg, parseParameters, readTextFile } from "../io.js";
import { sdkNetworkOptions } from "../network.js";
import { EXIT } from "../report-error.js";

interface DeployOptions {
  template?: string;
  config?: string;
  stackName?: string;
  parameter?: string[];
  yes?: boolean;
  region?: string;
  endpointUrl?: string;
  capabilities?: string[];
  stackSet?: boolean;
  accounts?: string;
  organizationalUnits?: string;
  regions?: string;
  maxConcurrent?: string;
  maxConcurrentPercentage?: string;
  failureTolerance?: string;
  failureTolerancePercentage?: string;
  regionConcurrency?: string;
  concurrencyMode?: string;
}

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description(
      "Deploy the template as a stack (change set, confirmation, live events) or as a StackSet to accounts/OUs × regions. Exit 0 deployed or nothing to change, 1 failed, 2 invalid input.",
    )
    .option("--template <file>", "a CloudFormation template (YAML or JSON)")
    .option("--config <file>", "a bb-oidc.yaml; the template is built from it")
    .option("--stack-name <name>", "the stack (or, with --stack-set, stack set) name")
    .option("--parameter <key=value>", "a template parameter (repeatable)", collect)
    .option("--yes", "execute the change set without asking")
    .option(
      "--region <region>",
      "AWS region (default: the SDK's resolution, then AWS_DEFAULT_REGION)",
    )
    .option("--endpoint-url <url>", "CloudFormation endpoint (e.g. the bb-oidc emulator)")
    .option(
      "--capabilities <capability...>",
      "capabilities to grant (default CAPABILITY_NAMED_IAM: bb-oidc templates create IAM roles)",
    )
    .option("--stack-set", "deploy as a StackSet")
    .option("--accounts <ids>", "StackSet target accounts, comma-separated (self-managed)")
    .option(
      "--organizational-units <ids>",
      "StackSet target OUs, comma-separated (service-managed)",
    )
    .option("--regions <regions>", "StackSet regions, comma-separated (default: --region)")
    .option("--max-concurrent <n>", "StackSet: accounts deployed at once per region")
    .option("--max-concurrent-percentage <p>", "StackSet: percentage of accounts deployed at once")
    .option("--failure-tolerance <n>", "StackSet: failed accounts per region before stopping")
    .option(
      "--failure-tolerance-percentage <p>",
      "StackSet: percentage of failed accounts before stopping",
    )
    .option("--region-concurrency <mode>", "StackSet: SEQUENTIAL or PARALLEL regions")
    .option(
      "--concurrency-mode <mode>",
      "StackSet: STRICT_FAILURE_TOLERANCE (default) or SOFT_FAILURE_TOLERANCE",
    )
    .action(async (opts: DeployOptions) => {
      process.exitCode = await runDeploy(opts);
    });
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function templateText(opts: DeployOptions): string {
  if (opts.template && opts.config) throw new InputError("give --template or --config, not both");
  if (opts.template) return readTextFile(opts.template, "--template");
  if (opts.config)
    return renderTemplate(
      buildTemplate(loadConfig(readTextFile(opts.config, "--config"), opts.config)),
      "yaml",
    );
  throw new InputError("give --template FILE or --config FILE", {
    hint: "bb-oidc deploy --config bb-oidc.yaml --stack-name bb-oidc",
  });
}

function client(opts: DeployOptions): CloudFormationClient {
  const config: CloudFormationClientConfig = {};
  // The SDK reads AWS_REGION; the AWS CLI's AWS_DEFAULT_REGION is honoured too.
  const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region) config.region = region;
  if (opts.endpointUrl) config.endpoint = opts.endpointUrl;
  // Through the step's proxy when HTTPS_PROXY/HTTP_PROXY is set (network.ts).
  return new CloudFormationClient({ ...config, ...sdkNetworkOptions(process.env) });
}

/** Polling faster against a local endpoint: the emulator finishes in well under a second. */
function pollMs(opts: DeployOptions): number {
  const endpoint =
    opts.endpointUrl ?? process.env.AWS_ENDPOINT_URL_CLOUDFORMATION ?? process.env.AWS_ENDPOINT_URL;
  return endpoint && /^https?:\/\/(127\.|localhost|\[::1\])/.test(endpoint) ? 100 : 2000;
}

async function runDeploy(opts: DeployOptions): Promise<number> {
  if (!opts.stackName) throw new InputError("--stack-name is required");
  const body = templateText(opts);
  const capabilities = opts.capabilities ?? ["CAPABILITY_NAMED_IAM"];
  const cfn = client(opts);
  try {
    return opts.stackSet
      ? await runStackSet(cfn, opts, body, capabilities)
      : await runStack(cfn, opts, body, capabilities);
  } catch (err) {
    throw awsFailure(err);
  } finally {
    cfn.destroy();
  }
}

/** AWS's refusals (ValidationError, InsufficientCapabilities, …) are failures to report, not bugs. */
function awsFailure(err: unknown): unknown {
  const e = err as { name?: string; message?: string; $metadata?: unknown; $fault?: string };
  if (e && typeof e === "object" && e.$metadata !== undefined && e.name) {
    const hint =
      e.name === "InsufficientCapabilitiesException"
        ? "Pass the capability it names with --capabilities (bb-oidc templates create IAM roles)."
        : undefined;
    return new BbOidcError(
      "ERR_AWS_REFUSED",
      `CloudFormation refused: ${e.name}: ${e.message}`,
      hint ? { actual: e.name, hint } : { actual: e.name },
    );
  }
  if (e && typeof e === "object" && e.name === "CredentialsProviderError") {
    return new BbOidcError("ERR_AWS_CREDENTIALS", `no AWS credentials: ${e.message}`, {
      hint: "Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile, or run `bb-oidc credentials` first.",
    });
  }
  return err;
}

// ---- stack -------------------------------------------------------------------------------------

async function runStack(
  cfn: CloudFormationClient,
  opts: DeployOptions,
  body: string,
  capabilities: string[],
): Promise<number> {
  const out = process.stdout;
  const tty = out.isTTY === true;
  const view = tty ? new LiveView(out) : undefined;
  const result = await deployStack(
    cfn,
    {
      stackName: opts.stackName!,
      templateBody: body,
      parameters: parseParameters(opts.parameter),
      capabilities,
      pollMs: pollMs(opts),
    },
    {
      onPhase: (phase) => {
        if (phase === "change-set")
          process.stderr.write(`Creating a change set for stack ${opts.stackName}…\n`);
        else out.write(`Executing the change set for stack ${opts.stackName}:\n`);
      },
      confirm: async (changes, type) => {
        out.write(
          `\n${type === "CREATE" ? "New stack" : "Changes to stack"} ${opts.stackName}:\n${changeTable(changes)}\n`,
        );
        if (opts.yes) return true;
        if (!process.stdin.isTTY || !tty) {
          throw new InputError(
            "refusing to execute the change set without confirmation: not a terminal",
            {
              hint: "Review the changes above and pass --yes to execute them (as in CI).",
            },
          );
        }
        const rl = createInterface({ input: process.stdin, output: out });
        try {
          const answer = await rl.question("Execute these changes? [y/N] ");
          return /^y(es)?$/i.test(answer.trim());
        } finally {
          rl.close();
        }
      },
      onEvent: (e) => (view ? view.update(e) : out.write(`${eventLine(e)}\n`)),
    },
  );
  view?.finish();
  return report(result, opts.stackName!);
}

function report(r: StackDeployResult, name: string): number {
  const out = process.stdout;
  switch (r.outcome) {
    case "no-changes":
      out.write(`No changes to deploy: stack ${name} is up to date.\n`);
      return EXIT.ok;
    case "cancelled":
      out.write("Not executed; the change set was deleted.\n");
      return EXIT.ok;
    case "created":
    case "updated":
      out.write(`\nStack ${name}: ${r.finalStatus}\n`);
      for (const o of r.outputs) out.write(`  ${o.key} = ${o.value}\n`);
      return EXIT.ok;
    default: {
      const what = r.failedResource ? ` (${r.failedResource})` : "";
      process.stderr.write(
        `\nbb-oidc: stack ${name} failed${what}: ${r.failureReason ?? "no reason was reported"}\n`,
      );
      if (r.rolledBack) process.stderr.write(`  rolled back: the stack is ${r.finalStatus}\n`);
      else process.stderr.write(`  the stack is ${r.finalStatus}\n`);
      return EXIT.failed;
    }
  }
}

export function changeTable(changes: PlannedChange[]): string {
  const rows = [
    ["Action", "Logical ID", "Type", "Replacement"],
    ...changes.map((c) => [c.action, c.logicalId, c.type, c.replacement ?? "-"]),
  ];
  return table(rows);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map(
      (r) =>
        `  ${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd()}`,
    )
    .join("\n");
}

/** One plain line per event, as CI logs show them. */
export function eventLine(e: StackEventView): string {
  return [
    e.timestamp.toISOString(),
    e.status.padEnd(36),
    e.type.padEnd(28),
    e.logicalId,
    e.reason ?? "",
  ]
    .join("  ")
    .trimEnd();
}

/** On a terminal: one line per resource, redrawn in place as its status changes. */
class LiveView {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private drawn = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}
  update(e: StackEventView): void {
    if (!this.lines.has(e.logicalId)) this.order.push(e.logicalId);
    this.lines.set(
      e.logicalId,
      `${e.status.padEnd(36)} ${e.type.padEnd(28)} ${e.logicalId}${e.reason ? `  ${e.reason}` : ""}`,
    );
    const text = this.order.map((id) => `\x1b[2K${this.lines.get(id)}`).join("\n");
    this.out.write(`${this.drawn > 0 ? `\x1b[${this.drawn}A\r` : ""}${text}\n`);
    this.drawn = this.order.length;
  }
  finish(): void {}
}

// ---- stack set ---------------------------------------------------------------------------------

function preferences(opts: DeployOptions): OperationPreferences {
  const p: OperationPreferences = {};
  const pct = (v: string, flag: string) => {
    const n = parseIntegerArg(v, flag);
    if (n > 100) throw new InputError(`${flag}: a percentage is at most 100`);
    return n;
  };
  if (opts.maxConcurrent && opts.maxConcurrentPercentage)
    throw new InputError("give --max-concurrent or --max-concurrent-percentage, not both");
  if (opts.failureTolerance && opts.failureTolerancePercentage) {
    throw new InputError("give --failure-tolerance or --failure-tolerance-percentage, not both");
  }
  if (opts.maxConcurrent)
    p.maxConcurrentCount = parseIntegerArg(opts.maxConcurrent, "--max-concurrent");
  if (opts.maxConcurrentPercentage)
    p.maxConcurrentPercentage = pct(opts.maxConcurrentPercentage, "--max-concurrent-percentage");
  if (opts.failureTolerance)
    p.failureToleranceCount = parseIntegerArg(opts.failureTolerance, "--failure-tolerance");
  if (opts.failureTolerancePercentage) {
    p.failureTolerancePercentage = pct(
      opts.failureTolerancePercentage,
      "--failure-tolerance-percentage",
    );
  }
  if (opts.regionConcurrency) {
    const v = opts.regionConcurrency.toUpperCase();
    if (v !== "SEQUENTIAL" && v !== "PARALLEL")
      throw new InputError("--region-concurrency: SEQUENTIAL or PARALLEL");
    p.regionConcurrencyType = v;
  }
  if (opts.concurrencyMode) {
    const v = opts.concurrencyMode.toUpperCase();
    if (v !== "STRICT_FAILURE_TOLERANCE" && v !== "SOFT_FAILURE_TOLERANCE") {
      throw new InputError(
        "--concurrency-mode: STRICT_FAILURE_TOLERANCE or SOFT_FAILURE_TOLERANCE",
      );
    }
    p.concurrencyMode = v;
  }
  return p;
}

async function runStackSet(
  cfn: CloudFormationClient,
  opts: DeployOptions,
  body: string,
  capabilities: string[],
): Promise<number> {
  const accounts = list(opts.accounts);
  const ous = list(opts.organizationalUnits);
  if (accounts.length === 0 && ous.length === 0) {
    throw new InputError(
      "--stack-set needs --accounts (self-managed) or --organizational-units (service-managed)",
    );
  }
  for (const a of accounts)
    if (!/^\d{12}$/.test(a))
      throw new InputError(`--accounts: ${JSON.stringify(a)} is not a 12-digit account ID`);
  const regions = list(
    opts.regions ?? opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
  );
  if (regions.length === 0) throw new InputError("--stack-set needs --regions (or --region)");
  const out = process.stdout;
  const result = await deployStackSet(
    cfn,
    {
      stackSetName: opts.stackName!,
      templateBody: body,
      parameters: parseParameters(opts.parameter),
      capabilities,
      ...(accounts.length > 0 ? { accounts } : { organizationalUnits: ous }),
      regions,
      preferences: preferences(opts),
      pollMs: pollMs(opts),
    },
    {
      onOperation: (op) =>
        out.write(`StackSet ${opts.stackName}: operation ${op.id} (${op.action})\n`),
      onProgress: (r) =>
        out.write(
          `  ${r.account}  ${r.region.padEnd(14)}  ${r.status}${r.reason ? `  ${r.reason}` : ""}\n`,
        ),
    },
  );
  out.write(`\n${instanceTable(result.instances)}\n`);
  for (const op of result.operations) {
    out.write(
      `operation ${op.id} (${op.action}): ${op.status}${op.reason ? ` — ${op.reason}` : ""}\n`,
    );
  }
  if (result.failed) {
    process.stderr.write(
      `bb-oidc: StackSet ${opts.stackName} failed beyond its failure tolerance\n`,
    );
    return EXIT.failed;
  }
  return EXIT.ok;
}

export function instanceTable(rows: InstanceRow[]): string {
  return table([
    ["Account", "Region", "Status", "Reason"],
    ...rows.map((r) => [r.account, r.region, r.status, r.reason ?? ""]),
  ]);
}
