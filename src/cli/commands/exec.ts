import { constants } from "node:os";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { addExchangeOptions, type ExchangeFlags, runExchange } from "../exchange-command.js";
import { credentialVariables } from "../render/credentials.js";

const FORWARDED: NodeJS.Signals[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
];
/**
 * Every variable an AWS SDK or CLI reads credentials (or where to find them) from. The command
 * gets none of the step's own: only the exchanged credentials, set below. Static keys of the step
 * must not reach a command that was meant to run as the role (configure-aws-credentials'
 * `unset-current-credentials`, always on; docs/decisions.md).
 */
const CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_ACCESS_KEY",
  "AWS_SECRET_KEY",
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_SESSION_NAME",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/** What a shell answers when it cannot run a command (POSIX: 127 not found, 126 not executable). */
export const EXIT_NOT_FOUND = 127;
export const EXIT_NOT_EXECUTABLE = 126;

export function registerExec(program: Command): void {
  addExchangeOptions(
    program
      .command("exec")
      .description(
        "Exchange the step's token for AWS credentials and run COMMAND with them in its environment only (nothing printed); exits with the command's status.",
      )
      .usage("--role-arn ARN [options] -- COMMAND [ARGS...]")
      .argument("<command...>", "the command to run, after --"),
  ).action(async (command: string[], flags: ExchangeFlags) => {
    if (command.length === 0) throw new InputError("exec: give the command to run after --.");
    const out = await runExchange(flags, process.env);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of CREDENTIAL_VARIABLES) delete env[k];
    if (env.BB_OIDC_SET_SDK_WARNING_OFF) {
      // Set by bb-oidc's own start-up, not by the user: the child gets the environment as given.
      delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      delete env.BB_OIDC_SET_SDK_WARNING_OFF;
    }
    for (const [k, v] of credentialVariables(out.credentials, out.region)) env[k] = v;
    process.exitCode = await runChild(command, env);
  });
}

async function runChild(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // Loaded here: `credentials` and `configure` share this bundle and start no child.
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { env, stdio: "inherit" });
    const forward = (sig: NodeJS.Signals) => () => {
      child.kill(sig);
    };
    const handlers = FORWARDED.map((sig) => [sig, forward(sig)] as const);
    for (const [sig, h] of handlers) process.on(sig, h);
    const cleanup = () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      cleanup();
      // As a shell would: the command's name, why, and 127/126, so a step's log and exit code
      // read the same with or without bb-oidc in front.
      if (err.code === "ENOENT") {
        process.stderr.write(
          `bb-oidc: exec: command not found: ${command[0]}${command[0]!.includes("/") ? "" : " (not on PATH)"}\n`,
        );
        resolve(EXIT_NOT_FOUND);
      } else if (err.code === "EACCES") {
        process.stderr.write(
          `bb-oidc: exec: permission denied: ${command[0]} is not an executable file\n`,
        );
        resolve(EXIT_NOT_EXECUTABLE);
      } else {
        reject(new InputError(`exec: cannot run ${command[0]}: ${err.message}`));
      }
    });
    child.on("close", (code, signal) => {
      cleanup();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
