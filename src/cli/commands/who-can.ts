import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { type BbOidcConfig, loadConfig } from "../../provision/config/index.js";
import {
  compareMatrices,
  differenceLine,
  fromConfig,
  fromTemplateText,
  type MatrixDifference,
  type MatrixFormat,
  type RepositoryInput,
  readLive,
  renderMatrix,
  trustFacts,
  type WhoCanInput,
  whoCan,
} from "../../provision/who-can/index.js";
import { awsFailure, callerIdentity, iamClient, stsClient } from "../deploy/aws-clients.js";
import { membersOf } from "../deploy/ou-members.js";
import { readEgressRanges } from "../egress-ranges.js";
import { collect, parseParameters, readTextFile } from "../io.js";
import { EXIT } from "../report-error.js";

const FORMATS: readonly MatrixFormat[] = ["table", "markdown", "json", "csv"];

interface WhoCanOptions {
  template?: string;
  config?: string;
  repository: string[];
  environment: string[];
  parameter: string[];
  account: string[];
  ipRanges?: string;
  format?: string;
  live?: boolean;
  assumeRoleName?: string;
  externalId?: string;
  region?: string;
  endpointUrl?: string;
}

export function registerWhoCan(program: Command): void {
  program
    .command("who-can")
    .description(
      "Print which repository (and deployment environment) can assume which role in which account, as the STS decision answers for synthetic tokens: from a template, from bb-oidc.yaml, or (--live) from the accounts' IAM. With --live and --config, the accounts are compared with the config. Exit 0; 1 with --live when an account could not be read or differs from bb-oidc.yaml; 2 on unusable input.",
    )
    .option("--template <file>", "a CloudFormation template (YAML or JSON)")
    .option("--config <file>", "a bb-oidc.yaml (the template is built from it)")
    .option("--repository <[name=]uuid>", "a repository to ask about (repeatable)", collect, [])
    .option(
      "--environment <[name=]uuid>",
      "a deployment environment to try with every repository (repeatable)",
      collect,
      [],
    )
    .option("--parameter <key=value>", "a template parameter value (repeatable)", collect, [])
    .option(
      "--account <id>",
      "an account to resolve the template for (repeatable; default a placeholder)",
      collect,
      [],
    )
    .option(
      "--ip-ranges <file>",
      "Atlassian's ip-ranges feed, for configs with sourceIps: bitbucket-egress",
    )
    .option("--format <table|markdown|json|csv>", "output format (default: table)")
    .option(
      "--live",
      "read the roles and providers from the accounts through IAM (--account, or those of --config and its OUs)",
    )
    .option(
      "--assume-role-name <name>",
      "with --live: the role entered in every account but your own (e.g. OrganizationAccountAccessRole)",
    )
    .option("--external-id <id>", "with --live: the external ID that role requires")
    .option("--region <region>", "with --live: the region to sign for (IAM is global)")
    .option("--endpoint-url <url>", "with --live: the AWS endpoint (e.g. the bb-oidc emulator)")
    .action(async (opts: WhoCanOptions) => {
      process.exitCode = await runWhoCan(opts);
    });
}

/** `web={uuid}` or `{uuid}`. */
function labelled(values: readonly string[]): RepositoryInput[] {
  return values.map((v) => {
    const eq = v.indexOf("=");
    return eq > 0 ? { label: v.slice(0, eq), uuid: v.slice(eq + 1) } : { uuid: v };
  });
}

async function runWhoCan(opts: WhoCanOptions): Promise<number> {
  if (opts.live) {
    if (opts.template)
      throw new InputError("--live reads the accounts; give --config or neither, not --template.");
  } else if (!opts.template === !opts.config) {
    throw new InputError("Give exactly one of --template FILE or --config FILE (or --live).");
  } else if (opts.assumeRoleName || opts.externalId || opts.endpointUrl) {
    throw new InputError(
      "--assume-role-name, --external-id and --endpoint-url apply to --live only.",
    );
  }
  const format = (opts.format ?? "table") as MatrixFormat;
  if (!FORMATS.includes(format)) {
    throw new InputError(
      `--format: expected table, markdown, json or csv, got ${JSON.stringify(opts.format)}.`,
    );
  }
  if (opts.live) return runLive(opts, format);
  let input: ReturnType<typeof fromTemplateText>;
  if (opts.template) {
    input = fromTemplateText(readTextFile(opts.template, "--template"), opts.template, {
      parameters: parseParameters(opts.parameter),
      accounts: opts.account,
    });
  } else {
    if (opts.parameter.length > 0) throw new InputError("--parameter applies to --template only.");
    const egressRanges = opts.ipRanges ? readEgressRanges(opts.ipRanges) : undefined;
    input = fromConfig(readConfig(opts), {
      accounts: opts.account,
      ...(egressRanges ? { egressRanges } : {}),
    });
  }
  if (input.roles.length === 0)
    throw new InputError("no IAM roles found (for the accounts given).");
  if (input.placeholders.length > 0) {
    process.stderr.write(
      `bb-oidc: parameters ${input.placeholders.join(", ")} have no value; placeholders were used (pass --parameter K=V).\n`,
    );
  }
  const matrix = await whoCan({
    roles: input.roles,
    providers: input.providers,
    repositories: labelled(opts.repository),
    environments: labelled(opts.environment),
  });
  process.stdout.write(renderMatrix(matrix, format));
  return 0;
}

function readConfig(opts: WhoCanOptions): BbOidcConfig {
  return loadConfig(readTextFile(opts.config!, "--config"), opts.config!);
}

/**
 * `--live`: the accounts' own roles and providers, through IAM. With --config, the accounts are
 * those the config targets (its OUs' through Organizations), only roles trusting the config's
 * provider are shown, and the matrix is compared with the config's.
 */
async function runLive(opts: WhoCanOptions, format: MatrixFormat): Promise<number> {
  if (opts.parameter.length > 0) throw new InputError("--parameter applies to --template only.");
  for (const a of opts.account) {
    if (!/^\d{12}$/.test(a))
      throw new InputError(`--account: "${a}" is not a 12-digit AWS account ID.`);
  }
  const config = opts.config ? readConfig(opts) : undefined;
  if (!config && opts.account.length === 0) {
    throw new InputError(
      "--live needs the accounts to read: --account ID (repeatable) or --config FILE.",
    );
  }
  const target = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}),
  };
  const caller = await callerIdentity(target);
  const sts = stsClient(target);
  try {
    let accounts = [...new Set(opts.account)];
    let expected: WhoCanInput | undefined;
    if (config) {
      const ous = [...new Set(config.roles.flatMap((r) => r.organizationalUnits ?? []))];
      const ouAccounts = ous.length > 0 ? await membersOf(target, ous, caller.account) : undefined;
      const egressRanges = opts.ipRanges ? readEgressRanges(opts.ipRanges) : undefined;
      const fromCfg = fromConfig(config, {
        accounts: opts.account,
        ...(egressRanges ? { egressRanges } : {}),
        ...(ouAccounts ? { ouAccounts } : {}),
      });
      expected = { roles: fromCfg.roles, providers: fromCfg.providers };
      if (accounts.length === 0) {
        accounts = [
          ...new Set([
            ...config.roles.flatMap((r) => r.accounts ?? []),
            ...[...(ouAccounts?.values() ?? [])].flat(),
          ]),
        ].sort();
      }
    }
    if (accounts.some((a) => a !== caller.account) && !opts.assumeRoleName) {
      throw new InputError(
        `--assume-role-name is needed to read accounts other than ${caller.account} (the credentials' own).`,
        {
          hint: "Name a role every account has that may read IAM, e.g. --assume-role-name OrganizationAccountAccessRole, or the audit role (bb-oidc template --audit-role).",
        },
      );
    }
    const others = accounts.filter((a) => a !== caller.account);
    if (others.length > 0 && caller.root) {
      throw new InputError(
        `these are the root user's credentials of ${caller.account}, and AWS lets no root user assume a role: --assume-role-name ${opts.assumeRoleName} cannot enter ${others.join(", ")}`,
        {
          hint: "Run with an IAM user's or a role session's credentials (as a pipeline step has them through bb-oidc exec), or read each account with its own credentials (--account ID).",
        },
      );
    }
    const live = await readLive(
      {
        callerAccount: caller.account,
        partition: caller.partition,
        sts,
        iamFor: (c) => iamClient(target, c),
      },
      {
        accounts,
        ...(opts.assumeRoleName ? { assumeRoleName: opts.assumeRoleName } : {}),
        ...(opts.externalId ? { externalId: opts.externalId } : {}),
      },
    );
    for (const u of live.unreachable)
      process.stderr.write(`bb-oidc: account ${u.account} was not read: ${u.error}\n`);
    let roles = live.roles;
    if (config) {
      // Roles of other issuers (GitHub, another workspace) are not the config's business.
      const urls = new Set(
        expected!.roles.flatMap((r) =>
          trustFacts(r.trustPolicy).providers.map((p) => p.url.toLowerCase()),
        ),
      );
      roles = roles.filter((r) =>
        trustFacts(r.trustPolicy).providers.some((p) => urls.has(p.url.toLowerCase())),
      );
    }
    const ask = {
      repositories: labelled(opts.repository),
      environments: labelled(opts.environment),
    };
    const matrix = await whoCan({
      roles,
      providers: live.providers,
      assumeMissingProviders: false,
      ...ask,
    });
    let differences: MatrixDifference[] | undefined;
    // An account that could not be read is not compared: its roles are unknown, not missing.
    const unread = new Set(live.unreachable.map((u) => u.account));
    if (expected) {
      differences = compareMatrices(await whoCan({ ...expected, ...ask }), matrix).filter(
        (d) => !unread.has(d.account),
      );
    }
    if (format === "json") {
      const doc = JSON.parse(renderMatrix(matrix, "json"));
      process.stdout.write(
        `${JSON.stringify(
          {
            ...doc,
            accounts,
            unreachable: live.unreachable,
            ...(differences
              ? {
                  matchesConfig: differences.length === 0 && unread.size === 0,
                  differences,
                  notCompared: [...unread],
                }
              : {}),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      if (roles.length > 0) process.stdout.write(renderMatrix(matrix, format));
      else
        process.stderr.write(
          `bb-oidc: no role in ${accounts.join(", ")} trusts ${config ? "the workspace's" : "an"} OIDC provider.\n`,
        );
      if (differences) {
        if (unread.size > 0)
          process.stderr.write(
            `\nNot compared with ${opts.config}: ${[...unread].join(", ")} (not read, above).\n`,
          );
        if (differences.length > 0) {
          process.stderr.write(`\nThe accounts differ from ${opts.config}:\n`);
          for (const d of differences) process.stderr.write(`  ${differenceLine(d)}\n`);
        } else if (unread.size === 0)
          process.stderr.write(
            `The accounts match ${opts.config}: every role where it says, each admitting whom it says.\n`,
          );
      }
    }
    return live.unreachable.length > 0 || (differences?.length ?? 0) > 0 ? EXIT.failed : EXIT.ok;
  } catch (err) {
    throw awsFailure(err, "AWS");
  } finally {
    sts.destroy();
  }
}
