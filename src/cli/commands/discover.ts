import { renameSync, rmSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { ATLASSIAN_IP_RANGES_URL, DEFAULT_API_BASE } from "../../bitbucket/index.js";
import { discover, renderConfigSkeleton, renderDiscoveryText } from "../../discover/index.js";
import { InputError } from "../../errors.js";
import { parseIntegerArg, parseTime, readTextFile } from "../io.js";
import { networkRoute } from "../network.js";
import { readTokenArg } from "../token-input.js";

interface DiscoverCliOptions {
  workspace: string;
  workspaceUuid?: string;
  token?: string;
  apiBase?: string;
  caFile?: string;
  ipRangesUrl?: string;
  ipRanges: boolean;
  json?: boolean;
  format?: string;
  now?: string;
  timeout?: string;
  out?: string;
}

const FORMATS = ["text", "json", "config"] as const;

export function registerDiscover(program: Command): void {
  program
    .command("discover")
    .description(
      "Find out what registering a workspace as an IAM OIDC provider needs: issuer, keys, workspace UUID, audience, TLS thumbprints (with the openssl commands to check them) and Pipelines egress ranges. Exit 0 found (an unreachable ip-ranges feed is a warning and a marked gap), 1 a fetch or check failed, 2 usage error.",
    )
    .requiredOption("--workspace <slug>", "the workspace slug (the ID in its Bitbucket URLs)")
    .option("--workspace-uuid <uuid>", "the workspace UUID, if the workspace endpoint needs login")
    .option(
      "--token <jwt|@file|->",
      "a Pipelines OIDC token of this workspace, to read the UUID from",
    )
    .option(
      "--api-base <url>",
      `reach Bitbucket's API here instead (an emulator standing in for ${DEFAULT_API_BASE})`,
    )
    .option("--ca-file <pem>", "trust only this CA for the Bitbucket hosts")
    .option(
      "--ip-ranges-url <url>",
      `the ip-ranges feed (default ${ATLASSIAN_IP_RANGES_URL}, or <api-base>/ip-ranges.json with --api-base)`,
    )
    .option("--no-ip-ranges", "skip the ip-ranges feed")
    .option("--json", "print the whole report as one JSON object (same as --format json)")
    .option("--format <text|json|config>", "text report, JSON, or a bb-oidc.yaml skeleton")
    .option("--now <time>", "epoch seconds or ISO 8601 for certificate expiry (default: now)")
    .option("--timeout <ms>", "per-request timeout in milliseconds (default 5000)")
    .option(
      "--out <file>",
      "write the output to this file, only when discover succeeds (a shell redirect leaves an empty file behind a failure)",
    )
    .action(async (opts: DiscoverCliOptions) => {
      await runDiscover(opts);
    });
}

function chooseFormat(opts: DiscoverCliOptions): (typeof FORMATS)[number] {
  if (opts.format !== undefined && !(FORMATS as readonly string[]).includes(opts.format)) {
    throw new InputError(
      `--format: expected text, json or config, got ${JSON.stringify(opts.format)}`,
    );
  }
  if (opts.json && opts.format !== undefined && opts.format !== "json") {
    throw new InputError(`--json and --format ${opts.format} contradict each other; give one`);
  }
  return opts.json ? "json" : ((opts.format as (typeof FORMATS)[number] | undefined) ?? "text");
}

async function runDiscover(opts: DiscoverCliOptions): Promise<void> {
  const format = chooseFormat(opts);
  if (opts.workspaceUuid !== undefined && opts.token !== undefined) {
    throw new InputError("give --workspace-uuid or --token, not both");
  }
  const network = await networkRoute(process.env);
  const report = await discover({
    workspace: opts.workspace,
    ...(network ? { network } : {}),
    ...(opts.workspaceUuid === undefined ? {} : { workspaceUuid: opts.workspaceUuid }),
    ...(opts.token === undefined ? {} : { token: readTokenArg(opts.token) }),
    ...(opts.apiBase === undefined ? {} : { apiBase: opts.apiBase }),
    ...(opts.caFile === undefined ? {} : { ca: readCaFile(opts.caFile) }),
    ...(opts.ipRanges
      ? opts.ipRangesUrl === undefined
        ? {}
        : { ipRangesUrl: opts.ipRangesUrl }
      : { ipRangesUrl: false }),
    now: opts.now ? parseTime(opts.now, "--now") : Math.floor(Date.now() / 1000),
    ...(opts.timeout === undefined
      ? {}
      : { timeoutMs: positive(parseIntegerArg(opts.timeout, "--timeout"), "--timeout") }),
  });
  const text =
    format === "json"
      ? `${JSON.stringify(report, null, 2)}\n`
      : format === "config"
        ? renderConfigSkeleton(report)
        : renderDiscoveryText(report);
  if (opts.out === undefined) process.stdout.write(text);
  else writeOutput(opts.out, text);
  // The skeleton carries them as comments; a redirect to a file must not hide them.
  if (format === "config" || opts.out !== undefined) {
    for (const w of report.warnings) process.stderr.write(`bb-oidc: warning: ${w.message}\n`);
  }
}

/** Whole or not at all: a temporary file renamed into place. */
function writeOutput(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new InputError(`--out: cannot write ${path}: ${(err as Error).message}.`);
  }
}

function positive(n: number, flag: string): number {
  if (n < 1) throw new InputError(`${flag}: must be at least 1`);
  return n;
}

function readCaFile(path: string): string {
  const pem = readTextFile(path, "--ca-file");
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new InputError(`--ca-file: ${path} holds no PEM certificate`, {
      hint: "Give a PEM file with the CA certificate(s) to trust (-----BEGIN CERTIFICATE-----).",
    });
  }
  return pem;
}
