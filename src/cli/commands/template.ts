import type { Command } from "commander";
import { auditRoleTemplate } from "../../audit/audit-role.js";
import { InputError } from "../../errors.js";
import { loadConfig } from "../../provision/config/index.js";
import {
  buildTemplate,
  DEFAULT_TRUST_POLICY_QUOTA,
  renderTemplate,
} from "../../provision/template/index.js";
import { readEgressRanges } from "../egress-ranges.js";
import { parseIntegerArg, readTextFile, writeFileAtomically } from "../io.js";

interface TemplateOptions {
  config: string;
  auditRole?: boolean;
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
    .option(
      "--audit-role",
      "instead: the read-only role bb-oidc audit enters, as a StackSet-ready template (--config is not read)",
    )
    .action((opts: TemplateOptions) => {
      runTemplate(opts);
    });
}

function runTemplate(opts: TemplateOptions): void {
  if (opts.format !== "yaml" && opts.format !== "json") {
    throw new InputError(`--format: expected yaml or json, got ${JSON.stringify(opts.format)}`);
  }
  if (opts.auditRole) {
    writeOut(opts, renderTemplate(auditRoleTemplate(), opts.format), "the audit role");
    return;
  }
  const config = loadConfig(readTextFile(opts.config, "--config"), opts.config);
  const egressRanges = opts.ipRanges ? readEgressRanges(opts.ipRanges) : undefined;
  const template = buildTemplate(config, {
    ...(egressRanges ? { egressRanges } : {}),
    ...(opts.trustPolicyQuota
      ? { trustPolicyQuota: parseIntegerArg(opts.trustPolicyQuota, "--trust-policy-quota") }
      : {}),
  });
  const roles = `${config.roles.length} role${config.roles.length === 1 ? "" : "s"}`;
  writeOut(opts, renderTemplate(template, opts.format), roles);
}

function writeOut(opts: TemplateOptions, text: string, what: string): void {
  if (!opts.out) {
    process.stdout.write(text);
    return;
  }
  writeFileAtomically(opts.out, text, "--out");
  process.stderr.write(`wrote ${opts.out} (${what})\n`);
}
