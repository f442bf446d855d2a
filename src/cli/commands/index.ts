import type { Command } from "commander";
import { registerConfigure } from "./configure.js";
import { registerCredentials } from "./credentials.js";
import { registerDemo } from "./demo.js";
import { registerDiscover } from "./discover.js";
import { registerEmulator } from "./emulator.js";
import { registerExec } from "./exec.js";
import { registerExplain } from "./explain.js";
import { registerLint } from "./lint.js";
import { registerTemplate } from "./template.js";
import { registerVerify } from "./verify.js";
import { registerWhoCan } from "./who-can.js";

/** Every command registers itself here, one file per command in this folder. */
export function registerCommands(program: Command): void {
  registerExplain(program);
  registerVerify(program);
  registerDiscover(program);
  registerTemplate(program);
  registerLint(program);
  registerWhoCan(program);
  registerCredentials(program);
  registerExec(program);
  registerConfigure(program);
  registerDemo(program);
  registerEmulator(program);
}
