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
import type { PortProblem } from "../../emulator/listen-errors.js";
import { removePidFile, stopEmulator, writePidFile } from "../../emulator/pid-file.js";
import { resetStateDir } from "../../emulator/store/index.js";
import { BbOidcError, InputError } from "../../errors.js";
import { collect, parseIntegerArg, readTextFile } from "../io.js";
import { redactSecrets } from "../redact.js";
import { reportError } from "../report-error.js";

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
    .action(async (opts: RunOptions, cmd: Command) => {
      try {
        await runEmulator(opts);
      } catch (err) {
        if (!(err instanceof BbOidcError && err.is("ERR_PORT_IN_USE"))) throw err;
        // Its own exit code, so a script can tell "pick another port" from a refused state.
        reportError(portError(err), cmd.optsWithGlobals().debug === true);
        process.exitCode = EMULATOR_EXIT.portInUse;
      }
    });

  emulator
    .command("stop")
    .description(
      "Stop the emulator running on a state directory (SIGTERM to the process in <state>/emulator.pid, then wait until it has saved and exited). Exit 0 stopped or not running, 1 it could not be stopped, 2 usage.",
    )
    .requiredOption("--state <dir>", "the emulator's state directory")
    .option("--timeout <seconds>", "how long to wait for it to exit", "10")
    .action(async (opts: { state: string; timeout: string }) => {
      const seconds = parseIntegerArg(opts.timeout, "--timeout");
      const outcome = await stopEmulator(opts.state, seconds * 1000);
      if (outcome.stopped) {
        process.stderr.write(`bb-oidc emulator: stopped (pid ${outcome.pid}); state saved.\n`);
      } else {
        process.stderr.write(
          outcome.stalePid === undefined
            ? `bb-oidc emulator: no emulator is running on ${opts.state}.\n`
            : `bb-oidc emulator: no emulator is running on ${opts.state} (removed a stale emulator.pid of pid ${outcome.stalePid}).\n`,
        );
      }
    });

  emulator
    .command("reset")
    .description(
      "Discard an emulator's state directory (refused while an emulator runs on it, or when it holds files the emulator did not write). The next start creates new state: a new CA and thumbprint, new admin keys, no roles. Exit 0 reset, 1 refused, 2 usage.",
    )
    .requiredOption("--state <dir>", "the emulator's state directory")
    .action(async (opts: { state: string }) => {
      const removed = await resetStateDir(opts.state);
      process.stderr.write(
        removed.length === 0
          ? `bb-oidc emulator: ${opts.state} held no emulator state.\n`
          : `bb-oidc emulator: reset ${opts.state} (removed ${removed.join(", ")}). The next start creates new state.\n`,
      );
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
  // Before the ready line: whoever reads the line can stop the emulator by its state directory.
  await writePidFile(emulator.stateDir);
  process.stdout.write(
    opts.json ? `${JSON.stringify(readyJson(emulator))}\n` : readyText(emulator),
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      for (const s of STOP_SIGNALS) process.off(s, stop);
      // A second signal while stopping: out now (acknowledged writes are on disk already).
      for (const s of STOP_SIGNALS) {
        process.once(s, () => process.exit(128 + (SIGNAL_NUMBERS[s] ?? 1)));
      }
      if (!opts.json) process.stderr.write(`bb-oidc emulator: ${signal}, stopping…\n`);
      resolve();
    };
    for (const s of STOP_SIGNALS) process.on(s, stop);
    watchLauncher(() => stop("SIGTERM"));
  });
  await emulator.close();
  await removePidFile(emulator.stateDir);
  if (!opts.json) process.stderr.write("bb-oidc emulator: stopped; state saved.\n");
}

/**
 * Started through npm (`npx bb-oidc emulator`, an npm script), the emulator runs under
 * `npm → sh -c → node`. `kill` of npm reaches the shell, which exits without passing the signal
 * on, and the emulator would be left running on its ports, reparented. So when npm started it,
 * the emulator stops itself once its parent is gone. (Started any other way, a changed parent is
 * left alone: `nohup bb-oidc emulator &` means to outlive the shell.)
 */
function watchLauncher(stop: () => void): void {
  if (process.env.npm_command === undefined) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop();
    }
  }, 250);
  timer.unref();
}

/** SIGHUP too: a closed terminal or a dying parent shell must not leave the emulator behind. */
const STOP_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGTERM: 15,
};

/** Exit codes of `bb-oidc emulator` (start) besides the common 0/1/2/3. */
export const EMULATOR_EXIT = { portInUse: 4 } as const;

/** The library's port error with the flag that changes that port. */
function portError(err: BbOidcError<"ERR_PORT_IN_USE">): BbOidcError {
  const p = err.actual as PortProblem | undefined;
  const flag = p?.side === "bitbucket" ? "--bitbucket-port" : "--aws-port";
  const hint =
    p?.reason === "EADDRNOTAVAIL"
      ? "Give --host an address of this machine (default 127.0.0.1)."
      : p?.reason === "EACCES"
        ? `Pick a port above 1023 with ${flag} (0: any free port).`
        : `Stop what holds it (an emulator started with --state DIR stops with \`bb-oidc emulator stop --state DIR\`), or pick another port with ${flag} (0: any free port).`;
  return new BbOidcError("ERR_PORT_IN_USE", `${err.message.replace(/\.$/, "")} (${flag}).`, {
    actual: err.actual,
    hint,
  });
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
