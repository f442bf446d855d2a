import type { Command } from "commander";
import { InputError } from "../../errors.js";
import {
  formatJson,
  formatSarif,
  formatText,
  type LintSource,
  lintSources,
} from "../../provision/lint/index.js";
import { readEgressRanges } from "../egress-ranges.js";
import { collect, parseIntegerArg, parseParameters, readTextFile } from "../io.js";
import { EXIT } from "../report-error.js";

/** Where SARIF viewers send people to read about the tool. */
const INFORMATION_URI = "https://www.npmjs.com/package/bb-oidc";
const FORMATS = ["text", "json", "sarif"] as const;

interface LintOptions {
  format: string;
  parameter: string[];
  ipRanges?: string;
  trustPolicyQuota?: string;
}

export function registerLint(program: Command): void {
  program
    .command("lint")
    .description(
      "Check CloudFormation templates, trust policies and bitbucket-pipelines.yml for OIDC mistakes; who can assume a role is asked of the STS decision itself. Exit 0 no errors, 1 errors found, 2 unreadable input.",
    )
    .argument(
      "<file...>",
      "templates (YAML/JSON), policy or role JSON files, bitbucket-pipelines.yml",
    )
    .option("--format <text|json|sarif>", "output format", "text")
    .option("--parameter <key=value>", "a template parameter value (repeatable)", collect, [])
    .option(
      "--ip-ranges <file>",
      "Atlassian's ip-ranges feed (https://ip-ranges.atlassian.com/), for stale-ip-ranges",
    )
    .option(
      "--trust-policy-quota <n>",
      "the role trust policy length quota (default 2048; up to 8192 when raised)",
    )
    .action(async (files: string[], opts: LintOptions) => {
      process.exitCode = await runLint(files, opts);
    });
}

async function runLint(files: string[], opts: LintOptions): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new InputError(
      `--format: expected text, json or sarif, got ${JSON.stringify(opts.format)}.`,
    );
  }
  const sources: LintSource[] = files.map((file) => ({ file, text: readTextFile(file, "lint") }));
  const egressRanges = opts.ipRanges ? readEgressRanges(opts.ipRanges) : undefined;
  let quota: number | undefined;
  if (opts.trustPolicyQuota !== undefined) {
    quota = parseIntegerArg(opts.trustPolicyQuota, "--trust-policy-quota");
    if (quota < 1 || quota > 8192)
      throw new InputError("--trust-policy-quota: IAM's quota is between 1 and 8192.");
  }
  const result = await lintSources(sources, {
    parameters: parseParameters(opts.parameter),
    ...(egressRanges ? { egressRanges } : {}),
    ...(quota === undefined ? {} : { trustPolicyQuota: quota }),
  });
  const out =
    opts.format === "json"
      ? formatJson(result)
      : opts.format === "sarif"
        ? formatSarif(result, { version: __BB_OIDC_VERSION__, informationUri: INFORMATION_URI })
        : formatText(result);
  process.stdout.write(out);
  return result.summary.errors > 0 ? EXIT.failed : EXIT.ok;
}
