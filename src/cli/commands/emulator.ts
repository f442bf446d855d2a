import { join } from "node:path";
import type { Command } from "commander";
import { AUDIT_KEEP_FILES, AUDIT_MAX_FILE_BYTES } from "../../emulator/aws/audit.js";
import { normaliseIp } from "../../emulator/aws/source-ip.js";
import { type MintOptions, mintViaAdmin, rotateViaAdmin } from "../../emulator/bitbucket/index.js";
import {
  DEFAULT_AWS_PORT,
  DEFAULT_BITBUCKET_PORT,
  type RunningEmulator,
  startEmulator,
} from "../../emulator/index.js";
import { BbOidcError, InputError } from "../../errors.js";
import { collect, parseIntegerArg, readTextFile } from "../io.js";
import { redactSecrets } from "../redact.js";

interface RunOptions {
  awsPort?: string;
  bitbucketPort?: string;
  host?: string;
  state?: string;
  account?: string[];
  workspace?: string[];
  sourceIp?: string;
  trustSourceIpHeader?: boolean;
  organization?: string[];
  allowRemoteAdmin?: boolean;
  auditLogMaxMb: string;
  auditLogFiles: string;
  json?: boolean;
}

interface MintCliOptions {
  workspace: string;
  repositoryUuid: string;
  deploymentEnvironmentUuid?: string;
  branch?: string;
  audience?: string[];
  ttl?: string;
  expired?: boolean;
  endpoint?: string;
  caFile?: string;
  state?: string;
}

interface RotateCliOptions {
  workspace: string;
  endpoint?: string;
  caFile?: string;
  state?: string;
}

/** Where the emulator keeps its root certificate inside the state directory. */
const CA_FILE_NAME = "ca-root.pem";
const DEFAULT_BITBUCKET_ENDPOINT = `https://127.0.0.1:${DEFAULT_BITBUCKET_PORT}`;

export function registerEmulator(program: Command): void {
  const emulator = program
    .command("emulator")
    .description(
      "Run Bitbucket's OIDC issuer and AWS STS/IAM/CloudFormation on loopback: the whole keyless flow offline, with the real AWS SDK and CLI as clients. Subcommands mint tokens and rotate keys in a running emulator.",
    );

  // `start` is the default subcommand, so `bb-oidc emulator --json` runs it, while `mint` and
  // `rotate-keys` keep their own --workspace/--state (a parent's options would swallow them).
  emulator
    .command("start", { isDefault: true })
    .description("Run the emulator until Ctrl-C (the default: `bb-oidc emulator` runs this).")
    .option("--aws-port <n>", "AWS endpoint port (0: any free port)", String(DEFAULT_AWS_PORT))
    .option(
      "--bitbucket-port <n>",
      "Bitbucket HTTPS port (0: any free port)",
      String(DEFAULT_BITBUCKET_PORT),
    )
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--state <dir>", "keep state here across runs (default: a fresh temporary directory)")
    .option(
      "--account <id>",
      "an AWS account to emulate (repeatable; default 111111111111)",
      collect,
    )
    .option(
      "--workspace <slug>",
      "a Bitbucket workspace to create (repeatable; default acme)",
      collect,
    )
    .option("--source-ip <ip>", "aws:SourceIp for every caller instead of the TCP peer address")
    .option(
      "--trust-source-ip-header",
      "let each request set aws:SourceIp with the x-bb-oidc-source-ip header (an address, or none for no address)",
    )
    .option(
      "--organization <ou=accounts>",
      "an organizational unit (StackSets, AWS Organizations; the first --account manages it), e.g. ou-ab12-cdef3456=111111111111,222222222222 (repeatable)",
      collect,
    )
    .option(
      "--allow-remote-admin",
      "let callers that are not on loopback use the admin endpoints (faults, mint, rotate-keys); only with a --host beyond loopback",
    )
    .option(
      "--audit-log-max-mb <n>",
      "rotate <state>/audit.log when it reaches this many MiB",
      String(AUDIT_MAX_FILE_BYTES / 1024 / 1024),
    )
    .option(
      "--audit-log-files <n>",
      "rotated audit logs to keep (audit.log.1 … audit.log.N; 0: keep none)",
      String(AUDIT_KEEP_FILES),
    )
    .option("--json", "print one JSON line when ready")
    .action(async (opts: RunOptions) => {
      await runEmulator(opts);
    });

  emulator
    .command("mint")
    .description("Mint a pipeline step's OIDC token from a running emulator and print it.")
    .requiredOption("--workspace <slug>", "workspace slug")
    .requiredOption("--repository-uuid <{uuid}>", "repository UUID, with braces")
    .option("--deployment-environment-uuid <{uuid}>", "deployment environment UUID, with braces")
    .option("--branch <name>", "branchName claim", "main")
    .option("--audience <aud>", "a custom audience (repeatable; default the workspace's)", collect)
    .option("--ttl <seconds>", "token lifetime")
    .option("--expired", "mint a token that expired an hour ago")
    .option("--endpoint <url>", "the emulator's Bitbucket endpoint", DEFAULT_BITBUCKET_ENDPOINT)
    .option("--ca-file <pem>", "the emulator's CA file (printed when it starts)")
    .option("--state <dir>", "the emulator's state directory (its CA file is read from there)")
    .action(async (opts: MintCliOptions) => {
      const mintOptions: MintOptions = {
        workspace: opts.workspace,
        repositoryUuid: opts.repositoryUuid,
      };
      if (opts.branch !== undefined) mintOptions.branch = opts.branch;
      if (opts.deploymentEnvironmentUuid) {
        mintOptions.deploymentEnvironmentUuid = opts.deploymentEnvironmentUuid;
      }
      if (opts.audience) mintOptions.audiences = opts.audience;
      if (opts.ttl !== undefined) mintOptions.ttlSeconds = parseIntegerArg(opts.ttl, "--ttl");
      if (opts.expired) mintOptions.expired = true;
      const token = await asInputErrors(() =>
        mintViaAdmin(opts.endpoint!, mintOptions, clientTls(opts)),
      );
      process.stdout.write(`${token}\n`);
    });

  emulator
    .command("rotate-keys")
    .description("Rotate a workspace's signing key in a running emulator.")
    .requiredOption("--workspace <slug>", "workspace slug")
    .option("--endpoint <url>", "the emulator's Bitbucket endpoint", DEFAULT_BITBUCKET_ENDPOINT)
    .option("--ca-file <pem>", "the emulator's CA file (printed when it starts)")
    .option("--state <dir>", "the emulator's state directory (its CA file is read from there)")
    .action(async (opts: RotateCliOptions) => {
      const result = await asInputErrors(() =>
        rotateViaAdmin(opts.endpoint!, { workspace: opts.workspace }, clientTls(opts)),
      );
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}

/**
 * The emulator checks mint/rotate input on its side and answers with the error's code; an input
 * error there is the user's input error here (exit 2), not a failure of the tool.
 */
async function asInputErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof BbOidcError && err.code === "ERR_INPUT" && !(err instanceof InputError)) {
      throw new InputError(err.message, { expected: err.expected, actual: err.actual });
    }
    throw err;
  }
}

/** The admin endpoint is HTTPS under the emulator's private root, which must be trusted. */
function clientTls(opts: { caFile?: string; state?: string }): { ca: string } {
  if (opts.caFile) return { ca: readTextFile(opts.caFile, "--ca-file") };
  if (opts.state) return { ca: readTextFile(join(opts.state, CA_FILE_NAME), "--state") };
  throw new InputError("the emulator's CA is needed to reach it over HTTPS.", {
    hint: "Pass --ca-file <pem> (printed by `bb-oidc emulator` when it starts) or --state <dir>.",
  });
}

function positiveInt(value: string, flag: string, min: number): number {
  const n = parseIntegerArg(value, flag);
  if (n < min) throw new InputError(`${flag}: must be at least ${min}.`);
  return n;
}

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = parseIntegerArg(value, flag);
  if (n > 65535) throw new InputError(`${flag}: ${n} is not a TCP port (0–65535).`);
  return n;
}

async function runEmulator(opts: RunOptions): Promise<void> {
  for (const id of opts.account ?? []) {
    if (!/^\d{12}$/.test(id)) {
      throw new InputError(`--account: "${id}" is not an AWS account ID (12 digits).`);
    }
  }
  let sourceIp: string | undefined;
  if (opts.sourceIp !== undefined) {
    sourceIp = normaliseIp(opts.sourceIp);
    if (!sourceIp) throw new InputError(`--source-ip: "${opts.sourceIp}" is not an IP address.`);
  }
  const emulator = await startEmulator({
    host: opts.host,
    awsPort: port(opts.awsPort, "--aws-port"),
    bitbucketPort: port(opts.bitbucketPort, "--bitbucket-port"),
    stateDir: opts.state,
    accounts: opts.account,
    workspaces: opts.workspace,
    sourceIp,
    trustSourceIpHeader: opts.trustSourceIpHeader === true,
    organizations: parseOrganizations(opts.organization ?? []),
    allowRemoteAdmin: opts.allowRemoteAdmin === true,
    audit: {
      maxFileBytes: positiveInt(opts.auditLogMaxMb, "--audit-log-max-mb", 1) * 1024 * 1024,
      keepFiles: positiveInt(opts.auditLogFiles, "--audit-log-files", 0),
    },
    onInternalError: (err) => {
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`${redactSecrets(`bb-oidc emulator: internal error: ${text}`)}\n`);
    },
  });
  process.stdout.write(
    opts.json ? `${JSON.stringify(readyJson(emulator))}\n` : readyText(emulator),
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await emulator.close();
  if (!opts.json) process.stderr.write("bb-oidc emulator: stopped; state saved.\n");
}

function readyJson(e: RunningEmulator) {
  return {
    awsEndpoint: e.awsEndpoint,
    bitbucketEndpoint: e.bitbucketEndpoint,
    caFile: e.caFile,
    stateDir: e.stateDir,
    thumbprint: e.thumbprint,
    accounts: e.accounts,
    workspaces: e.workspaces,
  };
}

function readyText(e: RunningEmulator): string {
  const first = e.accounts[0]!;
  const lines = [
    "bb-oidc emulator is running",
    `  AWS (STS/IAM/CFN)  ${e.awsEndpoint}`,
    `  Bitbucket (OIDC)   ${e.bitbucketEndpoint}   (serves ${"api.bitbucket.org"} to the emulator's STS)`,
    `  CA file            ${e.caFile}`,
    `  IAM thumbprint     ${e.thumbprint}`,
    `  State              ${e.stateDir}`,
    "",
    ...e.accounts.map(
      (a) => `  Account ${a.id}   admin key ${a.accessKeyId} / ${a.secretAccessKey}`,
    ),
    ...e.workspaces.map((w) => `  Workspace ${w.slug} ${w.uuid}\n    issuer ${w.issuer}`),
    "",
    "Try:",
    `  AWS_ENDPOINT_URL=${e.awsEndpoint} AWS_ACCESS_KEY_ID=${first.accessKeyId} AWS_SECRET_ACCESS_KEY=${first.secretAccessKey} AWS_DEFAULT_REGION=us-east-1 aws sts get-caller-identity`,
    `  bb-oidc emulator mint --endpoint ${e.bitbucketEndpoint} --ca-file ${e.caFile} --workspace ${e.workspaces[0]?.slug ?? "acme"} --repository-uuid '{…}'`,
    "",
    "Ctrl-C stops it.",
    "",
  ];
  return lines.join("\n");
}

/** `ou-x=111111111111,222222222222` → { "ou-x": [...] }. */
function parseOrganizations(values: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const m = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})=(\d{12}(?:,\d{12})*)$/.exec(v);
    if (!m) {
      throw new InputError(`--organization: "${v}" is not OU=ACCOUNTS.`, {
        hint: "Write e.g. ou-ab12-cdef3456=111111111111,222222222222 (accounts must also be given with --account).",
      });
    }
    out[m[1]!] = m[2]!.split(",");
  }
  return out;
}
