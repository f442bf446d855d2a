import type { Command } from "commander";
import { invokedCommand } from "../invoked.js";

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
  audit: async () => (await import("./audit.js")).registerAudit,
  deploy: async () => (await import("./deploy.js")).registerDeploy,
  status: async () => (await import("./status.js")).registerStatus,
  destroy: async () => (await import("./destroy.js")).registerDestroy,
  credentials: async () => (await import("./credentials.js")).registerCredentials,
  exec: async () => (await import("./exec.js")).registerExec,
  configure: async () => (await import("./configure.js")).registerConfigure,
  emulator: async () => (await import("./emulator.js")).registerEmulator,
  demo: async () => (await import("./demo.js")).registerDemo,
};

/** Registers the invoked command alone, or all of them for help and unknown commands. */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const name = invokedCommand(argv);
  const names = name !== undefined && name in COMMANDS ? [name] : Object.keys(COMMANDS);
  for (const n of names) (await COMMANDS[n]!())(program);
}
