import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { awsFilePaths, writeProfile } from "../aws-files.js";
import { addExchangeOptions, type ExchangeFlags, runExchange } from "../exchange-command.js";
import {
  CREDENTIAL_FORMATS,
  type CredentialFormat,
  renderCredentials,
} from "../render/credentials.js";

interface CredentialsFlags extends ExchangeFlags {
  format: string;
  profile?: string;
}

export function registerCredentials(program: Command): void {
  addExchangeOptions(
    program
      .command("credentials")
      .description(
        "Exchange the step's OIDC token for AWS credentials (AssumeRoleWithWebIdentity), optionally chain into more roles, and print them or write a profile.",
      ),
  )
    .option("--format <format>", `output: ${CREDENTIAL_FORMATS.join(", ")}`, "env")
    .option(
      "--profile <name>",
      "write the credentials to this profile in ~/.aws (0600) instead of printing them",
    )
    .action(async (flags: CredentialsFlags) => {
      if (!CREDENTIAL_FORMATS.includes(flags.format as CredentialFormat)) {
        throw new InputError(
          `--format: "${flags.format}" is not one of ${CREDENTIAL_FORMATS.join(", ")}.`,
        );
      }
      if (flags.profile !== undefined && !/^[\w.@+-]+$/.test(flags.profile)) {
        throw new InputError(`--profile: "${flags.profile}" is not a usable profile name.`);
      }
      const out = await runExchange(flags, process.env);
      const c = out.credentials;
      if (flags.profile) {
        const paths = awsFilePaths(process.env);
        // The profile's keys, and nothing an SDK could prefer to them in either file.
        const removed = [
          ...writeProfile(paths.credentials, "credentials", flags.profile, {
            aws_access_key_id: c.accessKeyId,
            aws_secret_access_key: c.secretAccessKey,
            aws_session_token: c.sessionToken,
          }).map((k) => `${k} (credentials file)`),
          ...writeProfile(paths.config, "config", flags.profile, { region: out.region }),
        ];
        if (!flags.quiet) {
          process.stderr.write(
            `bb-oidc: wrote profile "${flags.profile}" for ${out.assumedRoleArn} (expires ${c.expiration.toISOString()}) to ${paths.credentials}\n`,
          );
          if (removed.length) {
            process.stderr.write(
              `bb-oidc: removed from profile "${flags.profile}": ${removed.join(", ")} (an SDK could have used them instead of these credentials)\n`,
            );
          }
        }
        return;
      }
      if (process.stdout.isTTY && !flags.quiet) {
        process.stderr.write("bb-oidc: warning: printing secret credentials to a terminal.\n");
      }
      process.stdout.write(
        renderCredentials(flags.format as CredentialFormat, c, {
          region: out.region,
          assumedRoleArn: out.assumedRoleArn,
        }),
      );
    });
}
