import type { Command } from "commander";
import { InputError, PolicyError } from "../../errors.js";
import { decideWebIdentity, parseRoleArn, staticWorld } from "../../sts/index.js";
import {
  type ExplainWorldInput,
  fromIam,
  fromTemplate,
  fromTrustPolicyFile,
} from "../explain-sources.js";
import { collect, parseIntegerArg, parseParameters, parseTime, readJsonArg } from "../io.js";
import { decisionJson, decisionText } from "../render/decision.js";
import { decodeTokenArg, keyResolverFor, readTokenArg } from "../token-input.js";

interface ExplainOptions {
  trustPolicy?: string;
  template?: string;
  role?: string;
  parameter: string[];
  token?: string;
  claims?: string;
  jwks?: string;
  caFile?: string;
  providerUrl?: string;
  clientId: string[];
  account?: string;
  roleArn?: string;
  region?: string;
  sourceIp?: string;
  sessionName: string;
  duration?: string;
  maxSessionDuration?: string;
  now?: string;
  json?: boolean;
}

export function registerExplain(program: Command): void {
  program
    .command("explain")
    .description(
      "Decide one AssumeRoleWithWebIdentity offline, exactly as STS would, and say which condition failed. The role comes from --trust-policy, from --template/--role, or (with only --role-arn) from IAM. Exit 0 allow, 1 deny, 2 input error.",
    )
    .option("--trust-policy <file>", "the role's trust policy (JSON)")
    .option("--template <file>", "a CloudFormation template holding the role (with --role)")
    .option("--role <logical-id>", "the AWS::IAM::Role in --template")
    .option("--parameter <key=value>", "a template parameter (repeatable)", collect, [])
    .option(
      "--token <jwt|@file|->",
      "a signed token, verified against the issuer's keys (or --jwks)",
    )
    .option(
      "--claims <json|@file>",
      "unsigned claims instead of a token: the signature check is skipped",
    )
    .option(
      "--jwks <file>",
      "verify the token with this JWKS instead of fetching the issuer's keys",
    )
    .option("--ca-file <pem>", "trust this CA when fetching the issuer's keys")
    .option("--provider-url <url>", "the IAM provider Url (default: the token's iss)")
    .option(
      "--client-id <id>",
      "the provider's ClientIdList (repeatable; required unless the template or IAM has the provider)",
      collect,
      [],
    )
    .option("--account <id>", "account owning provider and role (default: from --role-arn)")
    .option(
      "--role-arn <arn>",
      "the role; alone (no --trust-policy/--template) it is read through IAM",
    )
    .option("--region <region>", "region for IAM calls and template resolution")
    .option("--source-ip <ip>", "the caller's address (absent: aws:SourceIp is absent)")
    .option("--session-name <name>", "RoleSessionName", "bb-oidc-explain")
    .option("--duration <seconds>", "DurationSeconds")
    .option(
      "--max-session-duration <seconds>",
      "the role's MaxSessionDuration (with --trust-policy)",
      "3600",
    )
    .option("--now <time>", "epoch seconds or ISO 8601 (default: now)")
    .option("--json", "print one JSON object")
    .action(async (opts: ExplainOptions) => {
      process.exitCode = await runExplain(opts);
    });
}

async function runExplain(opts: ExplainOptions): Promise<number> {
  const sources = [opts.trustPolicy, opts.template].filter(Boolean).length;
  if (sources > 1) throw new InputError("Give one of --trust-policy or --template, not both.");
  if (sources === 0 && !opts.roleArn) {
    throw new InputError(
      "Say which role to check: --trust-policy FILE, --template FILE --role ID, or --role-arn ARN (read through IAM).",
    );
  }
  if (opts.template && !opts.role)
    throw new InputError("--template needs --role <logical ID of the AWS::IAM::Role>.");
  if (!opts.token === !opts.claims) {
    throw new InputError(
      "Give exactly one of --token (a signed JWT) or --claims (unsigned claims as JSON).",
    );
  }

  let token = "";
  let claims: Record<string, unknown>;
  if (opts.token) {
    token = readTokenArg(opts.token);
    claims = decodeTokenArg(token).claims as Record<string, unknown>;
  } else {
    const parsed = readJsonArg(opts.claims!, "--claims");
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new InputError("--claims: expected a JSON object of token claims.");
    }
    claims = parsed as Record<string, unknown>;
  }

  const roleParts = opts.roleArn ? parseRoleArn(opts.roleArn) : null;
  if (opts.roleArn && !roleParts) {
    throw new InputError(`--role-arn: "${opts.roleArn}" is not a role ARN.`, {
      hint: "Use arn:aws:iam::<12-digit account>:role/<name>.",
    });
  }
  const account =
    opts.account ?? roleParts?.account ?? (opts.template ? "123456789012" : undefined);
  if (!account || !/^\d{12}$/.test(account)) {
    throw new InputError(
      account
        ? `--account: "${account}" is not a 12-digit AWS account ID.`
        : "Give --account <12-digit ID> or --role-arn.",
    );
  }
  const providerUrl = opts.providerUrl ?? (typeof claims.iss === "string" ? claims.iss : undefined);
  if (!providerUrl)
    throw new InputError("--provider-url: the claims have no iss; give the provider URL.");
  const maxSessionDuration = parseIntegerArg(
    opts.maxSessionDuration ?? "3600",
    "--max-session-duration",
  );

  let input: ExplainWorldInput;
  try {
    input = opts.trustPolicy
      ? fromTrustPolicyFile(
          opts.trustPolicy,
          opts.roleArn ?? `arn:aws:iam::${account}:role/explained-role`,
          maxSessionDuration,
        )
      : opts.template
        ? fromTemplate({
            file: opts.template,
            logicalId: opts.role!,
            parameters: parseParameters(opts.parameter),
            account,
            issuer: providerUrl,
            ...(opts.region ? { region: opts.region } : {}),
          })
        : await fromIam(opts.roleArn!, providerUrl, opts.region);
  } catch (err) {
    throw asInputError(err, opts);
  }

  let provider = input.provider;
  if (opts.clientId.length > 0) {
    provider = {
      account,
      url: providerUrl,
      clientIds: opts.clientId,
      partition: roleParts?.partition ?? "aws",
    };
  }
  if (!provider && (opts.trustPolicy || opts.template)) {
    throw new InputError(
      "--client-id: give the provider's client ID(s), e.g. the workspace's default audience ari:cloud:bitbucket::workspace/<uuid>.",
    );
  }

  let world: ReturnType<typeof staticWorld>;
  try {
    world = staticWorld({
      providers: provider ? [provider] : [],
      roles: [input.role],
      keys: opts.token ? keyResolverFor(opts) : keyResolverFor({}),
    });
  } catch (err) {
    throw asInputError(err, opts);
  }

  const now = opts.now ? parseTime(opts.now, "--now") : Math.floor(Date.now() / 1000);
  const decision = await decideWebIdentity(
    {
      roleArn: input.role.arn,
      roleSessionName: opts.sessionName,
      webIdentityToken: token,
      ...(opts.duration !== undefined
        ? { durationSeconds: parseIntegerArg(opts.duration, "--duration") }
        : {}),
      ...(opts.sourceIp ? { sourceIp: opts.sourceIp } : {}),
      now,
      ...(opts.claims ? { unsignedClaims: claims } : {}),
    },
    world,
  );
  const unsigned = opts.claims !== undefined;
  process.stdout.write(
    opts.json
      ? `${JSON.stringify({ ...decisionJson(decision, unsigned), checkedAgainst: input.source }, null, 2)}\n`
      : `${decisionText(decision, unsigned)}\n\nChecked against ${input.source}.\n`,
  );
  return decision.ok ? 0 : 1;
}

function asInputError(err: unknown, opts: ExplainOptions): unknown {
  if (err instanceof PolicyError) {
    const where = opts.trustPolicy
      ? `--trust-policy ${opts.trustPolicy}`
      : opts.template
        ? `--template ${opts.template}`
        : "the role's trust policy";
    return new InputError(`${where}: ${err.message}`, {
      hint:
        err.hint ?? "Fix the policy document; IAM would refuse it with MalformedPolicyDocument.",
    });
  }
  return err;
}
