import type { Command } from "commander";
import { InputError } from "../../errors.js";
import {
  fromConfigText,
  fromTemplateText,
  type MatrixFormat,
  type RepositoryInput,
  renderMatrix,
  whoCan,
} from "../../provision/who-can/index.js";
import { readEgressRanges } from "../egress-ranges.js";
import { collect, parseParameters, readTextFile } from "../io.js";

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
}

export function registerWhoCan(program: Command): void {
  program
    .command("who-can")
    .description(
      "Print which repository (and deployment environment) can assume which role in which account, as the STS decision answers for synthetic tokens. Exit 0, or 2 on unusable input.",
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
  if (!opts.template === !opts.config) {
    throw new InputError("Give exactly one of --template FILE or --config FILE.");
  }
  const format = (opts.format ?? "table") as MatrixFormat;
  if (!FORMATS.includes(format)) {
    throw new InputError(
      `--format: expected table, markdown, json or csv, got ${JSON.stringify(opts.format)}.`,
    );
  }
  let input: ReturnType<typeof fromTemplateText>;
  if (opts.template) {
    input = fromTemplateText(readTextFile(opts.template, "--template"), opts.template, {
      parameters: parseParameters(opts.parameter),
      accounts: opts.account,
    });
  } else {
    if (opts.parameter.length > 0) throw new InputError("--parameter applies to --template only.");
    const egressRanges = opts.ipRanges ? readEgressRanges(opts.ipRanges) : undefined;
    input = fromConfigText(readTextFile(opts.config!, "--config"), opts.config!, {
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
