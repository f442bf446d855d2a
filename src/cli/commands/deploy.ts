import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { loadConfig } from "../../provision/config/index.js";
import type { OperationPreferences } from "../../provision/deploy/index.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../../provision/deploy/poll-retry.js";
import { uploadTemplate } from "../../provision/deploy/upload.js";
import { TEMPLATE_BODY_BYTES } from "../../provision/plan/limits.js";
import { DEFAULT_TRUST_POLICY_QUOTA } from "../../provision/template/index.js";
import {
  awsFailure,
  callerAccount,
  cloudFormation,
  pollMs,
  requireRegion,
  s3Client,
  s3UrlBase,
} from "../deploy/aws-clients.js";
import { runConfigDeploy } from "../deploy/config-deploy.js";
import { lintGate } from "../deploy/lint-gate.js";
import { providerOuMembers } from "../deploy/ou-members.js";
import { outputFormat, withJsonErrors } from "../deploy/output.js";
import {
  refuseGlobalInManyRegions,
  runTemplateStack,
  runTemplateStackSet,
} from "../deploy/template-deploy.js";
import { readEgressRanges } from "../egress-ranges.js";
import { collect, parseIntegerArg, parseParameters, readTextFile } from "../io.js";

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
  s3Bucket?: string;
  s3Prefix?: string;
  allowLintErrors?: boolean;
  format?: string;
  pollRetrySeconds?: string;
  ipRanges?: string;
  trustPolicyQuota?: string;
}

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description(
      "Deploy bb-oidc.yaml where it says (stacks in your account, or StackSets to other accounts and OUs: a plan per account, shown before anything changes), or one template as a stack or StackSet. Exit 0 deployed or nothing to change, 1 failed, declined or stopped by lint errors, 2 invalid input.",
    )
    .option("--template <file>", "a CloudFormation template (YAML or JSON)")
    .option("--config <file>", "a bb-oidc.yaml: each role is deployed to its accounts or OUs")
    .option(
      "--stack-name <name>",
      "the stack (or StackSet) name; a config's units all start with it",
    )
    .option("--parameter <key=value>", "a template parameter (repeatable)", collect)
    .option("--yes", "execute without asking")
    .option(
      "--region <region>",
      "AWS region (default: the SDK's resolution, then AWS_DEFAULT_REGION)",
    )
    .option("--endpoint-url <url>", "AWS endpoint (e.g. the bb-oidc emulator)")
    .option(
      "--capabilities <capability...>",
      "capabilities to grant (default CAPABILITY_NAMED_IAM: bb-oidc templates create IAM roles)",
    )
    .option(
      "--s3-bucket <bucket>",
      "upload templates over 51,200 bytes to this bucket (as `aws cloudformation deploy`); a config's units may then be up to 1 MB",
    )
    .option("--s3-prefix <prefix>", "key prefix for uploaded templates")
    .option("--allow-lint-errors", "deploy even when lint finds errors in what would be deployed")
    .option(
      "--format <text|json>",
      "output: text, or one JSON document on stdout (errors too)",
      "text",
    )
    .option(
      "--poll-retry-seconds <n>",
      `while waiting, keep retrying a lost connection this long (default ${DEFAULT_RETRY.budgetMs / 1000})`,
    )
    .option("--ip-ranges <file>", "Atlassian's ip-ranges JSON, for sourceIps: bitbucket-egress")
    .option(
      "--trust-policy-quota <n>",
      `the role trust policy length quota (default ${DEFAULT_TRUST_POLICY_QUOTA})`,
    )
    .option(
      "--stack-set",
      "deploy as a StackSet (with --config: StackSets even for your own account)",
    )
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
      const format = outputFormat(opts.format);
      process.exitCode = await withJsonErrors(format, () => runDeploy(opts, format));
    });
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function retryPolicy(opts: DeployOptions): RetryPolicy {
  if (opts.pollRetrySeconds === undefined) return DEFAULT_RETRY;
  const s = parseIntegerArg(opts.pollRetrySeconds, "--poll-retry-seconds");
  return {
    ...DEFAULT_RETRY,
    budgetMs: s * 1000,
    firstDelayMs: Math.min(1000, Math.max(1, s * 250)),
  };
}

async function runDeploy(opts: DeployOptions, format: "text" | "json"): Promise<number> {
  if (!opts.stackName) throw new InputError("--stack-name is required");
  if (opts.template && opts.config) throw new InputError("give --template or --config, not both");
  if (!opts.template && !opts.config) {
    throw new InputError("give --template FILE or --config FILE", {
      hint: "bb-oidc deploy --config bb-oidc.yaml --stack-name bb-oidc",
    });
  }
  if (opts.s3Prefix && !opts.s3Bucket) throw new InputError("--s3-prefix needs --s3-bucket");
  const capabilities = opts.capabilities ?? ["CAPABILITY_NAMED_IAM"];
  const cfn = cloudFormation(opts);
  const s3 = opts.s3Bucket ? s3Client(opts) : undefined;
  try {
    if (opts.config) return await deployConfig(opts, format, capabilities, cfn, s3);
    return await deployTemplate(opts, format, capabilities, cfn, s3);
  } catch (err) {
    throw awsFailure(err);
  } finally {
    cfn.destroy();
    s3?.destroy();
  }
}

async function deployConfig(
  opts: DeployOptions,
  format: "text" | "json",
  capabilities: string[],
  cfn: ReturnType<typeof cloudFormation>,
  s3: ReturnType<typeof s3Client> | undefined,
): Promise<number> {
  for (const [flag, v] of [
    ["--accounts", opts.accounts],
    ["--organizational-units", opts.organizationalUnits],
    ["--parameter", opts.parameter],
  ] as const) {
    if (v !== undefined) {
      throw new InputError(
        `${flag} does not apply to --config: bb-oidc.yaml says where each role goes`,
      );
    }
  }
  const region = requireRegion(opts);
  const regions = list(opts.regions);
  if (regions.length > 1 || (regions.length === 1 && regions[0] !== region)) {
    throw new InputError(
      "--regions does not apply to --config: the roles and the provider are IAM resources, global to each account, so bb-oidc deploys them from one region (--region)",
    );
  }
  const config = loadConfig(readTextFile(opts.config!, "--config"), opts.config!);
  const egressRanges = opts.ipRanges ? readEgressRanges(opts.ipRanges) : undefined;
  const quota = opts.trustPolicyQuota
    ? parseIntegerArg(opts.trustPolicyQuota, "--trust-policy-quota")
    : undefined;
  const account = await callerAccount(opts);
  const ouAccounts = await providerOuMembers(opts, config, account);
  const statusCommand = `bb-oidc status --config ${opts.config} --stack-name ${opts.stackName}`;
  return runConfigDeploy(
    { cfn, ...(s3 ? { s3 } : {}) },
    {
      config,
      configFile: opts.config!,
      yes: opts.yes,
      allowLintErrors: opts.allowLintErrors,
      format,
      input: {
        config,
        baseName: opts.stackName!,
        region,
        callerAccount: account,
        ...(opts.stackSet ? { mechanism: "stacksets" as const } : {}),
        ...(opts.s3Bucket
          ? {
              bucket: {
                bucket: opts.s3Bucket,
                ...(opts.s3Prefix ? { prefix: opts.s3Prefix } : {}),
                endpoint: s3UrlBase(opts, region),
              },
            }
          : {}),
        capabilities,
        ...(ouAccounts ? { ouAccounts } : {}),
        ...(hasPreferences(opts) ? { preferences: preferences(opts) } : {}),
        build: {
          ...(egressRanges ? { egressRanges } : {}),
          ...(quota ? { trustPolicyQuota: quota } : {}),
        },
        pollMs: pollMs(opts),
        retry: retryPolicy(opts),
        statusCommand,
      },
    },
  );
}

async function deployTemplate(
  opts: DeployOptions,
  format: "text" | "json",
  capabilities: string[],
  cfn: ReturnType<typeof cloudFormation>,
  s3: ReturnType<typeof s3Client> | undefined,
): Promise<number> {
  const body = readTextFile(opts.template!, "--template");
  const parameters = parseParameters(opts.parameter);
  await lintGate([{ file: opts.template!, text: body }], {
    allowErrors: opts.allowLintErrors === true,
    parameters,
    lintCommand: `bb-oidc lint ${opts.template}`,
    lines: true,
  });
  let templateUrl: string | undefined;
  if (Buffer.byteLength(body, "utf8") > TEMPLATE_BODY_BYTES) {
    if (!s3 || !opts.s3Bucket) {
      throw new InputError(
        `${opts.template} is ${Buffer.byteLength(body, "utf8")} bytes; CloudFormation takes at most ${TEMPLATE_BODY_BYTES} in a request`,
        {
          hint: "Deploy through S3: add --s3-bucket BUCKET (and --s3-prefix), as with `aws cloudformation deploy`.",
        },
      );
    }
    const region = requireRegion(opts);
    templateUrl = await uploadTemplate(
      s3,
      {
        bucket: opts.s3Bucket,
        ...(opts.s3Prefix ? { prefix: opts.s3Prefix } : {}),
        endpoint: s3UrlBase(opts, region),
      },
      opts.stackName!,
      body,
    );
  }
  const common = {
    stackName: opts.stackName!,
    body,
    ...(templateUrl ? { templateUrl } : {}),
    parameters,
    capabilities,
    yes: opts.yes,
    format,
    pollMs: pollMs(opts),
    retry: retryPolicy(opts),
  };
  if (!opts.stackSet) return runTemplateStack(cfn, common);
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
  refuseGlobalInManyRegions(body, regions);
  return runTemplateStackSet(cfn, {
    ...common,
    accounts,
    organizationalUnits: ous,
    regions,
    preferences: preferences(opts),
  });
}

function hasPreferences(opts: DeployOptions): boolean {
  return [
    opts.maxConcurrent,
    opts.maxConcurrentPercentage,
    opts.failureTolerance,
    opts.failureTolerancePercentage,
    opts.regionConcurrency,
    opts.concurrencyMode,
  ].some((v) => v !== undefined);
}

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
