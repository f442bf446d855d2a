import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { loadConfig } from "../../provision/config/index.js";
import {
  buildTemplate,
  DEFAULT_TRUST_POLICY_QUOTA,
  renderTemplate,
} from "../../provision/template/index.js";
import { readEgressRanges } from "../egress-ranges.js";
import { parseIntegerArg, readTextFile } from "../io.js";

interface TemplateOptions {
  config: string;
  format: string;
  out?: string;
  trustPolicyQuota?: string;
  ipRanges?: string;
}

export function registerTemplate(program: Command): void {
  program
    .command("template")
    .description(
      "Build the CloudFormation template (OIDC provider + least-privilege roles) from bb-oidc.yaml. Exit 0 written, 2 invalid configuration.",
    )
    .option("--config <file>", "the bb-oidc configuration", "./bb-oidc.yaml")
    .option("--format <yaml|json>", "template format", "yaml")
    .option("--out <file>", "write here (atomically) instead of standard output")
    .option(
      "--trust-policy-quota <n>",
      `the account's role trust policy length quota (default ${DEFAULT_TRUST_POLICY_QUOTA}; raised up to 8192 via L-C07B4B0D)`,
    )
    .option(
      "--ip-ranges <file>",
      "Atlassian's ip-ranges JSON (https://ip-ranges.atlassian.com/), for sourceIps: bitbucket-egress",
    )
    .action((opts: TemplateOptions) => {
      runTemplate(opts);
    });
}

function runTemplate(opts: TemplateOptions): void {
  if (opts.format !== "yaml" && opts.format !== "json") {
    throw new InputError(`--format: expected yaml or json, got ${JSON.stringify(opts.format)}`);
  }
  const config = loadConfig(readTextFile(opts.config, "--config"), opts.config);
  const egressRanges = opts.ipRanges ? readEgressRanges(opts.ipRanges) : undefined;
  const template = buildTemplate(config, {
    ...(egressRanges ? { egressRanges } : {}),
    ...(opts.trustPolicyQuota
      ? { trustPolicyQuota: parseIntegerArg(opts.trustPolicyQuota, "--trust-policy-quota") }
      : {}),
  });
  const text = renderTemplate(template, opts.format);
  if (!opts.out) {
    process.stdout.write(text);
    return;
  }
  writeAtomically(opts.out, text);
  process.stderr.write(
    `wrote ${opts.out} (${config.roles.length} role${config.roles.length === 1 ? "" : "s"})\n`,
  );
}

/** A reader of --out never sees half a file: write a sibling temporary file, then rename over. */
function writeAtomically(path: string, text: string): void {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    writeFileSync(tmp, text, { flag: "wx" });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new InputError(`--out: cannot write ${path}: ${(err as Error).message}`);
  }
}
