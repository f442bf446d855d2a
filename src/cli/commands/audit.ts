import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { Command } from "commander";
import {
  type AuditReport,
  type AuditSeverity,
  atLeast,
  formatAuditCsv,
  formatAuditHtml,
  formatAuditJson,
  formatAuditSarif,
  formatAuditText,
  isSeverity,
  progressView,
  runAudit,
} from "../../audit/index.js";
import { BbOidcError, InputError } from "../../errors.js";
import { loadConfig } from "../../provision/config/index.js";
import { iamNamePattern } from "../../shared/iam-names.js";
import { readEgressRanges } from "../egress-ranges.js";
import { collect, parseIntegerArg, readTextFile, writeFileAtomically } from "../io.js";
import { EXIT } from "../report-error.js";

const ROLE_NAME = iamNamePattern(1, 64);
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

const FORMATS = ["text", "json", "sarif", "csv", "html"] as const;
type Format = (typeof FORMATS)[number];
/** Some accounts could not be entered or read: the audit is incomplete. */
const EXIT_INCOMPLETE = 4;
const INFO_URI = "https://www.npmjs.com/package/bb-oidc";

interface AuditCliOptions {
  accounts?: string;
  organization?: boolean;
  ou: string[];
  assumeRoleName?: string;
  externalId?: string;
  sessionName?: string;
  config?: string;
  ipRanges?: string;
  format?: string;
  out?: string;
  failOn?: string;
  concurrency?: string;
  region?: string;
  endpointUrl?: string;
  retryMode?: string;
  maxAttempts?: string;
  unusedDays?: string;
  progress?: boolean;
}

export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description(
      "Audit live AWS accounts: who can assume each OIDC-trusting role (decided by the STS engine), its blast radius, drift from bb-oidc.yaml. Exit 0, 1 findings at --fail-on or above, 2 unusable input, 4 some accounts not audited.",
    )
    .option("--accounts <ids>", "accounts to audit, comma-separated (default: the current account)")
    .option(
      "--organization",
      "audit every account of the AWS Organization (from its management account)",
    )
    .option(
      "--ou <id>",
      "with --organization: only this OU and the OUs nested in it (repeatable)",
      collect,
      [],
    )
    .option(
      "--assume-role-name <name>",
      "the role to enter each other account with (e.g. bb-oidc-audit from `bb-oidc template --audit-role`)",
    )
    .option("--external-id <id>", "the external ID the audit role requires")
    .option("--session-name <name>", "the role session name (default bb-oidc-audit)")
    .option("--config <file>", "a bb-oidc.yaml: report drift between it and the accounts")
    .option("--ip-ranges <file>", "Atlassian's ip-ranges feed: flag stale aws:SourceIp lists")
    .option("--format <format>", "text (default), json, sarif, csv or html")
    .option("--out <file>", "write the report here (atomically) instead of standard output")
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding is at this severity or above: critical, high, medium, low",
    )
    .option("--concurrency <n>", "accounts audited at once (default 8)")
    .option("--region <region>", "region for STS (default: the SDK's resolution, then us-east-1)")
    .option(
      "--endpoint-url <url>",
      "one endpoint for STS, IAM and Organizations (e.g. the bb-oidc emulator)",
    )
    .option("--retry-mode <mode>", "the SDK's retry mode: standard or adaptive (default adaptive)")
    .option("--max-attempts <n>", "attempts per AWS call, first included (default 8)")
    .option("--unused-days <n>", "report assumable roles unused for this many days (default 90)")
    .option("--no-progress", "no progress on standard error")
    .action(async (opts: AuditCliOptions) => {
      process.exitCode = await runAuditCommand(opts);
    });
}

function accountList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!/^\d{12}$/.test(id))
      throw new InputError(`--accounts: "${id}" is not a 12-digit AWS account ID.`);
  }
  if (ids.length === 0) throw new InputError("--accounts: give at least one account ID.");
  return ids;
}

interface Checked {
  format: Format;
  failOn?: AuditSeverity;
  concurrency: number;
  maxAttempts: number;
  retryMode: "standard" | "adaptive";
  unusedDays: number;
}

function check(opts: AuditCliOptions): Checked {
  const format = (opts.format ?? "text") as Format;
  if (!FORMATS.includes(format)) {
    throw new InputError(
      `--format: expected ${FORMATS.join(", ")}, got ${JSON.stringify(opts.format)}.`,
    );
  }
  if (opts.failOn !== undefined && (!isSeverity(opts.failOn) || opts.failOn === "info")) {
    throw new InputError(
      `--fail-on: expected critical, high, medium or low, got ${JSON.stringify(opts.failOn)}.`,
    );
  }
  if (opts.ou.length > 0 && !opts.organization) throw new InputError("--ou needs --organization.");
  if (opts.organization && opts.accounts)
    throw new InputError("give --accounts or --organization, not both.");
  const retryMode = opts.retryMode ?? "adaptive";
  if (retryMode !== "standard" && retryMode !== "adaptive") {
    throw new InputError(
      `--retry-mode: expected standard or adaptive, got ${JSON.stringify(opts.retryMode)}.`,
    );
  }
  const bounded = (v: string | undefined, flag: string, dflt: number, max: number) => {
    if (v === undefined) return dflt;
    const n = parseIntegerArg(v, flag);
    if (n < 1 || n > max) throw new InputError(`${flag}: must be from 1 to ${max}, got ${n}.`);
    return n;
  };
  return {
    format,
    ...(opts.failOn ? { failOn: opts.failOn as AuditSeverity } : {}),
    concurrency: bounded(opts.concurrency, "--concurrency", 8, 64),
    maxAttempts: bounded(opts.maxAttempts, "--max-attempts", 8, 20),
    retryMode,
    unusedDays: bounded(opts.unusedDays, "--unused-days", 90, 3650),
  };
}

function checkWritableDir(file: string): void {
  const dir = dirname(resolve(file));
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new InputError(`--out: cannot write into ${dir}: ${(err as Error).message}.`, {
      hint: "Give a file in an existing directory you can write to.",
    });
  }
}

function render(report: AuditReport, format: Format, color: boolean): string {
  switch (format) {
    case "json":
      return formatAuditJson(report);
    case "sarif":
      return formatAuditSarif(report, INFO_URI);
    case "csv":
      return formatAuditCsv(report);
    case "html":
      return formatAuditHtml(report);
    default:
      return formatAuditText(report, { color });
  }
}

async function runAuditCommand(opts: AuditCliOptions): Promise<number> {
  const c = check(opts);
  const accounts = accountList(opts.accounts);
  const config = opts.config
    ? loadConfig(readTextFile(opts.config, "--config"), opts.config)
    : undefined;
  const egressRanges = opts.ipRanges ? readEgressRanges(opts.ipRanges) : undefined;
  // An audit of many accounts takes a while: a report that cannot be written is said at once.
  if (opts.out) checkWritableDir(opts.out);
  if (opts.assumeRoleName !== undefined && !ROLE_NAME.test(opts.assumeRoleName)) {
    throw new InputError(`--assume-role-name: "${opts.assumeRoleName}" is not an IAM role name.`);
  }
  // STS's own constraints (docs/aws-behaviour.md, "STS AssumeRole"): said once, not per account.
  if (opts.externalId !== undefined && !EXTERNAL_ID.test(opts.externalId)) {
    throw new InputError(
      "--external-id: 2 to 1224 characters of letters, digits and _+=,.@:/- (what STS accepts).",
    );
  }
  if (opts.sessionName !== undefined && !SESSION_NAME.test(opts.sessionName)) {
    throw new InputError(
      "--session-name: 2 to 64 characters of letters, digits and _+=,.@- (what STS accepts).",
    );
  }

  // The AWS CLI's AWS_DEFAULT_REGION counts too; IAM and Organizations are global (us-east-1).
  const region =
    opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  const common = {
    region,
    maxAttempts: c.maxAttempts,
    retryMode: c.retryMode,
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
  };
  const sts = new STSClient(common);
  const organizations = opts.organization ? new OrganizationsClient(common) : undefined;
  let caller: { account: string; partition: string; arn: string };
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    caller = { account: id.Account!, partition: id.Arn?.split(":")[1] ?? "aws", arn: id.Arn ?? "" };
  } catch (err) {
    sts.destroy();
    organizations?.destroy();
    const e = err as { name?: string; message?: string };
    throw new BbOidcError(
      "ERR_AWS_CREDENTIALS",
      `cannot tell which account these credentials belong to (${e.name}: ${e.message}).`,
      {
        hint: "Give credentials the AWS SDK finds (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an instance role), with sts:GetCallerIdentity.",
      },
    );
  }
  const needsRole = opts.organization || (accounts ?? []).some((a) => a !== caller.account);
  if (needsRole && !opts.assumeRoleName) {
    throw new InputError(
      "--assume-role-name is needed to enter accounts other than the current one.",
      {
        hint: "Deploy the read-only audit role everywhere (bb-oidc template --audit-role, then a StackSet) and pass --assume-role-name bb-oidc-audit.",
      },
    );
  }
  // STS refuses AssumeRole to an account's root user (docs/aws-behaviour.md, "STS AssumeRole"):
  // say so once, rather than one "NOT audited" line per account after the whole run.
  if (needsRole && /^arn:[^:]+:iam::\d{12}:root$/.test(caller.arn)) {
    sts.destroy();
    organizations?.destroy();
    throw new InputError(
      `these credentials are the root user of account ${caller.account}, and AWS does not let the root user assume roles: no other account could be entered.`,
      {
        hint: "Run the audit as an IAM role or user of that account with sts:AssumeRole on the audit role (e.g. a scheduled pipeline's role session, an SSO role); without --accounts/--organization the root user can audit its own account.",
      },
    );
  }

  const live = process.stderr.isTTY === true && process.env.CI !== "true";
  const view = progressView(live);
  const color = process.stdout.isTTY === true && !opts.out && process.env.NO_COLOR === undefined;
  let report: AuditReport;
  try {
    report = await runAudit(
      {
        callerAccount: caller.account,
        partition: caller.partition,
        sts,
        ...(organizations ? { organizations } : {}),
        iamFor: (credentials) =>
          new IAMClient({ ...common, ...(credentials ? { credentials } : {}) }),
      },
      {
        ...(accounts ? { accounts } : {}),
        ...(opts.organization ? { organization: true } : {}),
        ...(opts.ou.length ? { ous: opts.ou } : {}),
        ...(opts.assumeRoleName ? { assumeRoleName: opts.assumeRoleName } : {}),
        ...(opts.externalId ? { externalId: opts.externalId } : {}),
        ...(opts.sessionName ? { sessionName: opts.sessionName } : {}),
        ...(config ? { config } : {}),
        ...(egressRanges ? { egressRanges } : {}),
        concurrency: c.concurrency,
        unusedDays: c.unusedDays,
        now: Math.floor(Date.now() / 1000),
        version: __BB_OIDC_VERSION__,
        ...(opts.progress === false
          ? {}
          : { onProgress: (e) => process.stderr.write(view.update(e)) }),
      },
    );
  } finally {
    if (opts.progress !== false) process.stderr.write(view.finish());
    sts.destroy();
    organizations?.destroy();
  }

  const text = render(report, c.format, color);
  if (opts.out) {
    writeFileAtomically(opts.out, text, "--out");
    process.stderr.write(
      `wrote ${opts.out}: ${report.findings.length} finding${report.findings.length === 1 ? "" : "s"} across ${report.summary.accounts} account${report.summary.accounts === 1 ? "" : "s"}\n`,
    );
  } else {
    process.stdout.write(text);
  }
  if (c.failOn && report.findings.some((f) => atLeast(f.severity, c.failOn!))) return EXIT.failed;
  if (report.summary.unreachable > 0) return EXIT_INCOMPLETE;
  return EXIT.ok;
}
