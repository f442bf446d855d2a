import type { Command } from "commander";
import { InputError, PolicyError } from "../../errors.js";
import { policySize } from "../../policy/index.js";
import {
  DEFAULT_TRUST_POLICY_QUOTA,
  MAX_TRUST_POLICY_QUOTA,
} from "../../provision/template/build-template.js";
import {
  callerFromArn,
  decideAssumeRole,
  decideWebIdentity,
  parseRoleArn,
  staticWorld,
} from "../../sts/index.js";
import {
  type ExplainWorldInput,
  fromIam,
  fromIamRole,
  fromTemplate,
  fromTrustPolicyFile,
} from "../explain-sources.js";
import { collect, parseIntegerArg, parseParameters, parseTime, readJsonArg } from "../io.js";
import { decisionJson, decisionText, type StsDecision } from "../render/decision.js";
import { decodeTokenArg, keyResolverFor, readTokenArg } from "../token-input.js";
import { standInMap } from "./verify.js";

interface ExplainOptions {
  trustPolicy?: string;
  template?: string;
  role?: string;
  parameter: string[];
  token?: string;
  claims?: string;
  jwks?: string;
  caFile?: string;
  apiBase?: string;
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
  assumeRole?: boolean;
  callerArn?: string;
  callerUserId?: string;
  externalId?: string;
  sourceIdentity?: string;
  tag: string[];
  transitiveTagKey: string[];
}

export function registerExplain(program: Command): void {
  program
    .command("explain")
    .description(
      "Decide one AssumeRoleWithWebIdentity (or, with --assume-role, one AssumeRole hop of a role chain) offline, exactly as STS would, and say which condition failed. The role comes from --trust-policy, from --template/--role, or (with only --role-arn) from IAM. Exit 0 allow, 1 deny, 2 input error.",
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
    .option("--ca-file <pem>", "trust this CA when fetching the issuer's keys (the emulator's)")
    .option(
      "--api-base <url>",
      "where Bitbucket's API answers instead of https://api.bitbucket.org (the emulator's), for the issuer's keys",
    )
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
    .option(
      "--assume-role",
      "explain an AssumeRole (a chained hop, e.g. credentials --chain) instead: needs --caller-arn",
    )
    .option(
      "--caller-arn <arn>",
      "with --assume-role: who calls, e.g. arn:aws:sts::<acct>:assumed-role/<role>/<session> (or the role's ARN), an IAM user, or the account root",
    )
    .option(
      "--caller-user-id <id>",
      "with --assume-role: the caller's aws:userid (AIDA… for a user, AROA…:<session> for a session; `aws sts get-caller-identity` shows it)",
    )
    .option("--external-id <id>", "with --assume-role: ExternalId")
    .option("--source-identity <id>", "with --assume-role: SourceIdentity")
    .option("--tag <key=value>", "with --assume-role: a session tag (repeatable)", collect, [])
    .option(
      "--transitive-tag-key <key>",
      "with --assume-role: a transitive session tag key (repeatable)",
      collect,
      [],
    )
    .option("--json", "print one JSON object")
    .action(async (opts: ExplainOptions) => {
      process.exitCode = opts.assumeRole
        ? await runExplainAssumeRole(opts)
        : await runExplain(opts);
    });
}

/** One of --trust-policy, --template/--role or --role-arn (read through IAM). */
function checkRoleSource(opts: ExplainOptions): void {
  const sources = [opts.trustPolicy, opts.template].filter(Boolean).length;
  if (sources > 1) throw new InputError("Give one of --trust-policy or --template, not both.");
  if (sources === 0 && !opts.roleArn) {
    throw new InputError(
      "Say which role to check: --trust-policy FILE, --template FILE --role ID, or --role-arn ARN (read through IAM).",
    );
  }
  if (opts.template && !opts.role)
    throw new InputError("--template needs --role <logical ID of the AWS::IAM::Role>.");
}

async function runExplain(opts: ExplainOptions): Promise<number> {
  checkRoleSource(opts);
  const chainOnly = [
    ["--caller-arn", opts.callerArn],
    ["--caller-user-id", opts.callerUserId],
    ["--external-id", opts.externalId],
    ["--source-identity", opts.sourceIdentity],
    ["--tag", opts.tag.length > 0 ? "x" : undefined],
    ["--transitive-tag-key", opts.transitiveTagKey.length > 0 ? "x" : undefined],
  ].find(([, v]) => v !== undefined);
  if (chainOnly) {
    throw new InputError(`${chainOnly[0]} belongs to an AssumeRole hop: add --assume-role.`);
  }
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
  const input = await loadRole(opts, account, providerUrl);

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
      keys: opts.token
        ? keyResolverFor({
            ...(opts.jwks ? { jwks: opts.jwks } : {}),
            ...(opts.caFile ? { caFile: opts.caFile } : {}),
            ...(opts.apiBase ? standInMap(opts.apiBase) : {}),
          })
        : keyResolverFor({}),
    });
  } catch (err) {
    throw asInputError(err, opts);
  }

  const now = nowOf(opts);
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
  return report(decision, opts.claims !== undefined, input.source, opts);
}

function report(
  decision: StsDecision,
  unsigned: boolean,
  source: string,
  opts: ExplainOptions,
): number {
  process.stdout.write(
    opts.json
      ? `${JSON.stringify({ ...decisionJson(decision, unsigned), checkedAgainst: source }, null, 2)}\n`
      : `${decisionText(decision, unsigned)}\n\nChecked against ${source}.\n`,
  );
  return decision.ok ? 0 : 1;
}

/**
 * The role to judge, from --trust-policy, --template/--role or live IAM (--role-arn); with the
 * token's issuer, the template's or IAM's provider for it too (web identity).
 */
async function loadRole(
  opts: ExplainOptions,
  account: string,
  issuer?: string,
): Promise<ExplainWorldInput> {
  const maxSessionDuration = parseIntegerArg(
    opts.maxSessionDuration ?? "3600",
    "--max-session-duration",
  );
  try {
    if (opts.trustPolicy) {
      const world = fromTrustPolicyFile(
        opts.trustPolicy,
        opts.roleArn ?? `arn:aws:iam::${account}:role/explained-role`,
        maxSessionDuration,
      );
      noteTrustPolicySize(world.role.trustPolicy, `--trust-policy ${opts.trustPolicy}`);
      return world;
    }
    if (opts.template) {
      const world = fromTemplate({
        file: opts.template,
        logicalId: opts.role!,
        parameters: parseParameters(opts.parameter),
        account,
        ...(issuer !== undefined ? { issuer } : {}),
        ...(opts.region ? { region: opts.region } : {}),
      });
      noteTrustPolicySize(world.role.trustPolicy, `${opts.role} in ${opts.template}`);
      return world;
    }
    return issuer !== undefined
      ? await fromIam(opts.roleArn!, issuer, opts.region)
      : await fromIamRole(opts.roleArn!, opts.region);
  } catch (err) {
    throw asInputError(err, opts);
  }
}

/**
 * A trust policy IAM would not store (over the role trust policy quota) is still decided, as
 * asked, but the user is told first: no role can carry it unless the quota was raised.
 */
function noteTrustPolicySize(policy: unknown, where: string): void {
  const size = policySize(policy);
  if (size <= DEFAULT_TRUST_POLICY_QUOTA) return;
  const limit =
    size > MAX_TRUST_POLICY_QUOTA
      ? `more than IAM accepts for any role (${MAX_TRUST_POLICY_QUOTA.toLocaleString("en")}, the highest quota L-C07B4B0D can be raised to)`
      : `more than IAM's default quota of ${DEFAULT_TRUST_POLICY_QUOTA.toLocaleString("en")}; IAM stores it only where quota L-C07B4B0D was raised (up to ${MAX_TRUST_POLICY_QUOTA.toLocaleString("en")})`;
  process.stderr.write(
    `bb-oidc: note: ${where}: the trust policy is ${size.toLocaleString("en")} characters without whitespace, ${limit}. The decision below assumes IAM stored it; \`bb-oidc lint\` checks the size.\n`,
  );
}

function nowOf(opts: ExplainOptions): number {
  return opts.now ? parseTime(opts.now, "--now") : Math.floor(Date.now() / 1000);
}

/**
 * `explain --assume-role`: one AssumeRole as STS decides it (`decideAssumeRole`), for the caller
 * `--caller-arn` names, against the role's trust policy from a file, a template or live IAM.
 */
async function runExplainAssumeRole(opts: ExplainOptions): Promise<number> {
  checkRoleSource(opts);
  if (opts.token || opts.claims) {
    throw new InputError(
      "--assume-role explains a chained hop: it takes --caller-arn, not a token.",
    );
  }
  if (!opts.callerArn) {
    throw new InputError("--assume-role needs --caller-arn: who calls AssumeRole.", {
      hint: "e.g. --caller-arn arn:aws:sts::111111111111:assumed-role/deploy/bb-oidc (the session of the first role of the chain).",
    });
  }
  const named = callerFromArn(opts.callerArn);
  if (!named) {
    throw new InputError(`--caller-arn: "${opts.callerArn}" names no AWS caller.`, {
      hint: "Use arn:aws:sts::<acct>:assumed-role/<role>/<session>, arn:aws:iam::<acct>:role/<name>, arn:aws:iam::<acct>:user/<name> or arn:aws:iam::<acct>:root.",
    });
  }
  const caller = opts.callerUserId ? { ...named, userId: opts.callerUserId } : named;
  const roleParts = opts.roleArn ? parseRoleArn(opts.roleArn) : null;
  if (opts.roleArn && !roleParts) {
    throw new InputError(`--role-arn: "${opts.roleArn}" is not a role ARN.`, {
      hint: "Use arn:aws:iam::<12-digit account>:role/<name>.",
    });
  }
  const account = opts.account ?? roleParts?.account ?? caller.account;
  if (!/^\d{12}$/.test(account)) {
    throw new InputError(`--account: "${account}" is not a 12-digit AWS account ID.`);
  }
  const input = await loadRole(opts, account);
  if (!opts.callerUserId && caller.type !== "root") noteStandInUserId(input.role.trustPolicy);
  let world: ReturnType<typeof staticWorld>;
  try {
    world = staticWorld({ providers: [], roles: [input.role], keys: keyResolverFor({}) });
  } catch (err) {
    throw asInputError(err, opts);
  }
  const decision = decideAssumeRole(
    {
      caller,
      roleArn: input.role.arn,
      roleSessionName: opts.sessionName,
      ...(opts.duration !== undefined
        ? { durationSeconds: parseIntegerArg(opts.duration, "--duration") }
        : {}),
      ...(opts.externalId !== undefined ? { externalId: opts.externalId } : {}),
      ...(opts.sourceIdentity !== undefined ? { sourceIdentity: opts.sourceIdentity } : {}),
      ...(opts.tag.length > 0 ? { tags: opts.tag.map(parseTag) } : {}),
      ...(opts.transitiveTagKey.length > 0 ? { transitiveTagKeys: opts.transitiveTagKey } : {}),
      ...(opts.sourceIp ? { sourceIp: opts.sourceIp } : {}),
      now: nowOf(opts),
    },
    world,
  );
  return report(decision, false, input.source, opts);
}

/**
 * A caller's unique ID (aws:userid) is not in its ARN: without --caller-user-id explain makes up
 * one of the right shape, and a trust policy that reads the key would be decided against it.
 */
function noteStandInUserId(trustPolicy: unknown): void {
  if (!JSON.stringify(trustPolicy).toLowerCase().includes("aws:userid")) return;
  process.stderr.write(
    "bb-oidc: note: the trust policy reads aws:userid, which the caller's ARN does not carry; the decision below uses a stand-in ID. Pass --caller-user-id (the UserId `aws sts get-caller-identity` prints for the caller).\n",
  );
}

function parseTag(text: string): { key: string; value: string } {
  const eq = text.indexOf("=");
  if (eq <= 0) {
    throw new InputError(`--tag: "${text}" is not KEY=VALUE.`, {
      hint: "e.g. --tag team=payments",
    });
  }
  return { key: text.slice(0, eq), value: text.slice(eq + 1) };
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
