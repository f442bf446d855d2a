import { registerCommands } from "./commands/index.js";
import { runCli } from "./program.js";

/** The full CLI: every command, each loaded only when it runs (see launcher.ts). */
export function main(argv: readonly string[]): Promise<void> {
  return runCli(argv, (program) => registerCommands(program, argv));
}
