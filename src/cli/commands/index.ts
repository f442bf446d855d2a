import type { Command } from "commander";

type Register = (program: Command) => void;

/**
 * Every command, one file each in this folder, loaded only when it runs: a pipeline step that
 * calls `credentials` does not pay for parsing CloudFormation or starting the emulator. Order is
 * the order of `bb-oidc --help`.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  explain: async () => (await import("./explain.js")).registerExplain,
  verify: async () => (await import("./verify.js")).registerVerify,
  discover: async () => (await import("./discover.js")).registerDiscover,
  template: async () => (await import("./template.js")).registerTemplate,
  lint: async () => (await import("./lint.js")).registerLint,
  "who-can": async () => (await import("./who-can.js")).registerWhoCan,
  deploy: async () => (await import("./deploy.js")).registerDeploy,
  credentials: async () => (await import("./credentials.js")).registerCredentials,
  exec: async () => (await import("./exec.js")).registerExec,
  configure: async () => (await import("./configure.js")).registerConfigure,
  emulator: async () => (await import("./emulator.js")).registerEmulator,
  demo: async () => (await import("./demo.js")).registerDemo,
};

/** The command named on the command line (the first word that is not an option). */
function invoked(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith("-"));
}

/** Registers the invoked command alone, or all of them for help and unknown commands. */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const name = invoked(argv);
  const names = name !== undefined && name in COMMANDS ? [name] : Object.keys(COMMANDS);
  for (const n of names) (await COMMANDS[n]!())(program);
}
