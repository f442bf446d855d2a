import { resolve } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { decodeToken } from "../../oidc/decode.js";
import { parseRoleArn } from "../../shared/iam-names.js";
import { awsFilePaths, updateAwsFile, writePrivateFileAtomic } from "../aws-files.js";
import { readValueArg } from "../io.js";
import {
  checkSessionName,
  defaultSessionName,
  resolveRegion,
  resolveToken,
} from "../pipeline-env.js";
import { registerSecret } from "../redact.js";
import { shellQuote } from "../render/credentials.js";

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
    .option("--region <region>", "region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)")
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
      decodeToken(token);
      const sessionName = checkSessionName(
        flags.sessionName ?? defaultSessionName(env, Date.now()),
      );
      const region = resolveRegion(flags.region, env);
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
      const paths = awsFilePaths(env);
      updateAwsFile(paths.config, profile === "default" ? "default" : `profile ${profile}`, {
        role_arn: flags.roleArn,
        web_identity_token_file: tokenFile,
        role_session_name: sessionName,
        region,
      });
      process.stderr.write(
        `bb-oidc: profile "${profile}" in ${paths.config} assumes ${flags.roleArn} with the token in ${tokenFile}${profile === "default" ? "" : ` (use AWS_PROFILE=${profile})`}\n`,
      );
    });
}
