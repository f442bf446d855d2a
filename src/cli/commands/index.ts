import type { Command } from "commander";
import { registerExplain } from "./explain.js";
import { registerVerify } from "./verify.js";

/** Every command registers itself here, one file per command in this folder. */
export function registerCommands(program: Command): void {
  registerExplain(program);
  registerVerify(program);
}
