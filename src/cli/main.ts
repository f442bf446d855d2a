#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands/index.js";
import { reportError } from "./report-error.js";

const program = new Command("bb-oidc")
  .description(
    "Keyless deployments from Bitbucket Pipelines into AWS: discover, template, lint, deploy, exchange credentials, and explain every refusal.",
  )
  .version(__BB_OIDC_VERSION__)
  .option("--debug", "show stack traces and internal details (never secrets)")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed its message; help and version exit 0, usage errors exit 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportError(err, program.opts().debug === true);
  }
}
