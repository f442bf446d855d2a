import type { Command } from "commander";
import { InputError, PolicyError } from "../../errors.js";
import { decodeToken } from "../../oidc/index.js";
import { decideWebIdentity, parseRoleArn, staticWorld } from "../../sts/index.js";
import {
  collect,
  parseIntegerArg,
  parseJsonText,
  parseTime,
  readJsonArg,
  readTextFile,
} from "../io.js";
import { decisionJson, decisionText } from "../render/decision.js";
import { keyResolverFor, readTokenArg } from "../token-input.js";

interface ExplainOptions {
  trustPolicy?: string;
  token?: string;
  claims?: string;
  jwks?: string;
  caFile?: string;
  providerUrl?: string;
  clientId: string[];
  account?: string;
  roleArn?: string;
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
      "Decide one AssumeRoleWithWebIdentity offline, exactly as STS would, and say which condition failed. Exit 0 allow, 1 deny, 2 input error.",
    )
    .option("--trust-policy <file>", "the role's trust policy (JSON)")
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
    .option("--client-id <id>", "the provider's ClientIdList (repeatable, required)", collect, [])
    .option("--account <id>", "account owning provider and role (default: from --role-arn)")
    .option("--role-arn <arn>", "default arn:aws:iam::<account>:role/explained-role")
    .option("--source-ip <ip>", "the caller's address (absent: aws:SourceIp is absent)")
    .option("--session-name <name>", "RoleSessionName", "bb-oidc-explain")
    .option("--duration <seconds>", "DurationSeconds")
    .option("--max-session-duration <seconds>", "the role's MaxSessionDuration", "3600")
    .option("--now <time>", "epoch seconds or ISO 8601 (default: now)")
    .option("--json", "print one JSON object")
    .action(async (opts: ExplainOptions) => {
      process.exitCode = await runExplain(opts);
    });
}

async function runExplain(opts: ExplainOptions): Promise<number> {
  if (!opts.trustPolicy)
    throw new InputError("--trust-policy: give the role's trust policy as a JSON file.");
  if (!opts.token === !opts.claims) {
    throw new InputError(
      "Give exactly one of --token (a signed JWT) or --claims (unsigned claims as JSON).",
    );
  }
  if (opts.clientId.length === 0) {
    throw new InputError(
      "--client-id: give the provider's client ID(s), e.g. the workspace's default audience ari:cloud:bitbucket::workspace/<uuid>.",
    );
  }
  const trustPolicy = parseJsonText(
    readTextFile(opts.trustPolicy, "--trust-policy"),
    opts.trustPolicy,
  );

  let token = "";
  let claims: Record<string, unknown>;
  if (opts.token) {
    token = readTokenArg(opts.token);
    claims = decodeToken(token).claims as Record<string, unknown>;
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
  const account = opts.account ?? roleParts?.account;
  if (!account || !/^\d{12}$/.test(account)) {
    throw new InputError(
      account
        ? `--account: "${account}" is not a 12-digit AWS account ID.`
        : "Give --account <12-digit ID> or --role-arn.",
    );
  }
  const roleArn = opts.roleArn ?? `arn:aws:iam::${account}:role/explained-role`;
  const providerUrl = opts.providerUrl ?? (typeof claims.iss === "string" ? claims.iss : undefined);
  if (!providerUrl)
    throw new InputError("--provider-url: the claims have no iss; give the provider URL.");

  let world: ReturnType<typeof staticWorld>;
  try {
    world = staticWorld({
      providers: [
        {
          account,
          url: providerUrl,
          clientIds: opts.clientId,
          partition: roleParts?.partition ?? "aws",
        },
      ],
      roles: [
        {
          arn: roleArn,
          trustPolicy,
          maxSessionDuration: parseIntegerArg(
            opts.maxSessionDuration ?? "3600",
            "--max-session-duration",
          ),
        },
      ],
      keys: opts.token ? keyResolverFor(opts) : keyResolverFor({ jwks: undefined }),
    });
  } catch (err) {
    if (err instanceof PolicyError) {
      throw new InputError(`--trust-policy ${opts.trustPolicy}: ${err.message}`, {
        hint:
          err.hint ?? "Fix the policy document; IAM would refuse it with MalformedPolicyDocument.",
      });
    }
    throw err;
  }

  const now = opts.now ? parseTime(opts.now, "--now") : Math.floor(Date.now() / 1000);
  const decision = await decideWebIdentity(
    {
      roleArn,
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
      ? `${JSON.stringify(decisionJson(decision, unsigned), null, 2)}\n`
      : `${decisionText(decision, unsigned)}\n`,
  );
  return decision.ok ? 0 : 1;
}
