import { resolve } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { parseRoleArn } from "../../shared/iam-names.js";
import {
  awsFilePaths,
  readIfExists,
  sectionKeys,
  sectionNames,
  writePrivateFileAtomic,
  writeProfile,
} from "../aws-files.js";
import { readValueArg } from "../io.js";
import { checkSessionName, defaultSessionName, resolveToken } from "../pipeline-env.js";
import { registerSecret } from "../redact.js";
import { shellQuote } from "../render/credentials.js";
import { decodeTokenArg, tokenSourceName } from "../token-arg.js";

/**
 * A token with less life left than this is refused: an SDK reads the file again whenever its
 * credentials run out, and a token that is about to expire gives a profile that fails minutes in.
 */
export const MIN_TOKEN_LIFE_SECONDS = 300;

interface ConfigureFlags {
  roleArn: string;
  profile?: string;
  token?: string;
  tokenFile?: string;
  sessionName?: string;
  region?: string;
  printEnv?: boolean;
}

export function registerConfigure(program: Command): void {
  program
    .command("configure")
    .description(
      "Write the step's token to a 0600 file and an ~/.aws/config profile (role_arn + web_identity_token_file) so every AWS SDK, the AWS CLI, Terraform and CDK assume the role natively; or print the three export lines.",
    )
    .requiredOption("--role-arn <arn>", "the role to assume")
    .option("--profile <name>", "the profile to write", "default")
    .option("--token <jwt|@file|->", "the token (default: $BITBUCKET_STEP_OIDC_TOKEN)")
    .option(
      "--token-file <path>",
      "where to write the token (default: $BITBUCKET_CLONE_DIR/.bb-oidc/web-identity-token, else ~/.aws/bb-oidc/web-identity-token)",
    )
    .option("--session-name <name>", "role_session_name (default: bb-<repo>-<build>-<step>)")
    .option(
      "--region <region>",
      "region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's own, us-east-1)",
    )
    .option(
      "--print-env",
      "print export lines for AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_SESSION_NAME instead of writing a profile",
    )
    .action((flags: ConfigureFlags) => {
      if (!parseRoleArn(flags.roleArn)) {
        throw new InputError(`--role-arn: "${flags.roleArn}" is not a role ARN.`);
      }
      const env = process.env;
      const token = resolveToken(
        flags.token !== undefined ? readValueArg(flags.token, "--token") : undefined,
        env,
      );
      registerSecret(token);
      checkTokenLife(decodeTokenArg(token, tokenSourceName(flags.token)).claims.exp, Date.now());
      const sessionName = checkSessionName(
        flags.sessionName ?? defaultSessionName(env, Date.now()),
      );
      const tokenFile = resolve(
        flags.tokenFile ??
          (env.BITBUCKET_CLONE_DIR
            ? `${env.BITBUCKET_CLONE_DIR}/.bb-oidc/web-identity-token`
            : `${awsFilePaths(env).config.replace(/config$/, "")}bb-oidc/web-identity-token`),
      );
      writePrivateFileAtomic(tokenFile, token);
      if (flags.printEnv) {
        process.stdout.write(
          `export AWS_ROLE_ARN=${shellQuote(flags.roleArn)}\nexport AWS_WEB_IDENTITY_TOKEN_FILE=${shellQuote(tokenFile)}\nexport AWS_ROLE_SESSION_NAME=${shellQuote(sessionName)}\n`,
        );
        return;
      }
      const profile = flags.profile ?? "default";
      if (!/^[\w.@+-]+$/.test(profile)) {
        throw new InputError(`--profile: "${profile}" is not a usable profile name.`);
      }
      const paths = awsFilePaths(env);
      const region =
        flags.region ||
        env.AWS_REGION ||
        env.AWS_DEFAULT_REGION ||
        (sectionKeys(readIfExists(paths.config), sectionNames("config", profile)).includes("region")
          ? undefined
          : "us-east-1");
      // Only the web identity may give this profile credentials, in every SDK.
      const removed = [
        ...writeProfile(paths.config, "config", profile, {
          role_arn: flags.roleArn,
          web_identity_token_file: tokenFile,
          role_session_name: sessionName,
          ...(region ? { region } : {}),
        }),
        ...writeProfile(paths.credentials, "credentials", profile, {}).map(
          (k) => `${k} (credentials file)`,
        ),
      ];
      const say = (t: string) => process.stderr.write(`bb-oidc: ${t}\n`);
      say(
        `profile "${profile}" in ${paths.config} assumes ${flags.roleArn} with the token in ${tokenFile}${profile === "default" ? "" : ` (use AWS_PROFILE=${profile})`}`,
      );
      if (removed.length) {
        say(
          `removed from profile "${profile}": ${removed.join(", ")} (an SDK could have used them instead of the role)`,
        );
      }
      if (env.AWS_ACCESS_KEY_ID || env.AWS_SECRET_ACCESS_KEY) {
        say(
          `warning: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set in this environment. The AWS CLI and boto3 use them before any profile${profile === "default" ? "" : ` (AWS_PROFILE=${profile} included)`}, so those keys, not ${flags.roleArn}, would act. Unset them first: unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN`,
        );
      }
    });
}

/**
 * Refuses a token that has expired or is about to: the profile would fail when an SDK first
 * needs credentials, far from this step's log line. A step cannot get a fresh token.
 */
export function checkTokenLife(exp: unknown, nowMs: number): void {
  if (typeof exp !== "number") return;
  const left = exp - Math.floor(nowMs / 1000);
  const at = new Date(exp * 1000).toISOString();
  if (left <= 0) {
    throw new InputError(
      `The token expired at ${at} (${formatAge(-left)} ago): a profile made from it cannot get credentials.`,
      {
        hint: "Run bb-oidc where the step's token is fresh: early in the step that has oidc: true. A step cannot refresh its token.",
      },
    );
  }
  if (left < MIN_TOKEN_LIFE_SECONDS) {
    throw new InputError(
      `The token expires at ${at}, in ${formatAge(left)}: a profile made from it would stop working almost at once.`,
      {
        hint: "Use bb-oidc exec or credentials with --duration for what is left of the step: their credentials outlive the token.",
      },
    );
  }
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
