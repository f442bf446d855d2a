import { Command, CommanderError } from "commander";
import { setDebug } from "./debug.js";
import { reportError } from "./report-error.js";

/**
 * The root command both entries share (the full CLI and the pipeline bundle): name, version,
 * `--debug`, and how errors become exit codes. `register` adds the subcommands.
 */
export async function runCli(
  argv: readonly string[],
  register: (program: Command) => void | Promise<void>,
): Promise<void> {
  // The pinned AWS SDK warns on every Node 20 start that later SDK releases will need Node 22; in
  // a pipeline log that is noise next to the answer the user came for (README: requirements).
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    process.env.BB_OIDC_SET_SDK_WARNING_OFF = "1";
  }

  const program = new Command("bb-oidc")
    .description(
      "Keyless deployments from Bitbucket Pipelines into AWS: discover, template, lint, deploy, exchange credentials, and explain every refusal.",
    )
    .version(__BB_OIDC_VERSION__)
    .option("--debug", "show stack traces and internal details (never secrets)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .hook("preAction", (root) => setDebug(root.opts().debug === true));

  await register(program);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message; help and version exit 0, usage errors exit 2.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else {
      process.exitCode = reportError(err, program.opts().debug === true);
    }
  }
}
