import type { Command } from "commander";
import { AUDIT_ROLE_HEADER, auditRoleTemplate } from "../../audit/audit-role.js";
import { InputError } from "../../errors.js";
import { type BbOidcConfig, loadConfig } from "../../provision/config/index.js";
import { templateLimitsLine } from "../../provision/lint/rules/template-limits.js";
import {
  checkTemplate,
  ROLES_PER_ACCOUNT,
  TEMPLATE_BODY_BYTES,
  TEMPLATE_URL_BYTES,
} from "../../provision/plan/limits.js";
import type { CfnTemplate } from "../../provision/reader/index.js";
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
    writeOut(
      opts,
      renderTemplate(auditRoleTemplate(), opts.format, AUDIT_ROLE_HEADER),
      "the audit role",
    );
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
  const text = renderTemplate(template, opts.format);
  reportLimits(opts.config, template, text, config);
  writeOut(opts, text, roles);
}

/** The template against CloudFormation's limits, and how deploy copes when it is over one. */
function reportLimits(
  file: string,
  template: CfnTemplate,
  text: string,
  config: BbOidcConfig,
): void {
  const measure = {
    bytes: Buffer.byteLength(text, "utf8"),
    resources: Object.keys(template.Resources).length,
    outputs: Object.keys(template.Outputs ?? {}).length,
  };
  const perAccount = new Map<string, number>();
  for (const r of config.roles)
    for (const t of r.accounts ?? r.organizationalUnits ?? [])
      perAccount.set(t, (perAccount.get(t) ?? 0) + 1);
  const roles = Math.max(0, ...perAccount.values());
  const lines = [templateLimitsLine({ file: `template from ${file}`, measure, roles })];
  const over = checkTemplate(measure, "inline").filter((c) => !c.ok);
  if (over.length > 0) {
    const units = (max: number) =>
      Math.max(Math.ceil(measure.bytes / (max * 0.98)), Math.ceil(measure.resources / 199));
    lines.push(
      `  over ${over.map((c) => `${c.limit} (${c.value.toLocaleString("en-US")} > ${c.max.toLocaleString("en-US")})`).join(", ")}: bb-oidc deploy --config splits the roles into about ${units(TEMPLATE_BODY_BYTES)} stacks per target (about ${units(TEMPLATE_URL_BYTES)} with --s3-bucket BUCKET).`,
    );
  }
  if (roles > ROLES_PER_ACCOUNT) {
    lines.push(
      `  ${roles} roles in one account: IAM allows ${ROLES_PER_ACCOUNT.toLocaleString("en-US")} by default; spread them over accounts or raise the quota (Service Quotas, IAM: Roles per account).`,
    );
  }
  process.stderr.write(`${lines.join("\n")}\n`);
}

function writeOut(opts: TemplateOptions, text: string, what: string): void {
  if (!opts.out) {
    process.stdout.write(text);
    return;
  }
  writeFileAtomically(opts.out, text, "--out");
  process.stderr.write(`wrote ${opts.out} (${what})\n`);
}
