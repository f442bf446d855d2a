import type { Command } from "commander";
import { registerConfigure } from "./commands/configure.js";
import { registerCredentials } from "./commands/credentials.js";
import { registerExec } from "./commands/exec.js";
import { invokedCommand } from "./invoked.js";
import { isPipelineCommand, type PipelineCommand } from "./pipeline-commands.js";
import { runCli } from "./program.js";

/**
 * The commands a pipeline step runs, bundled alone into dist/pipeline.cjs so the launcher can
 * start them from a V8 code cache (launcher.ts says why).
 */
const PIPELINE: Record<PipelineCommand, (program: Command) => void> = {
  credentials: registerCredentials,
  exec: registerExec,
  configure: registerConfigure,
};

export function main(argv: readonly string[]): Promise<void> {
  return runCli(argv, (program) => {
    const name = invokedCommand(argv);
    if (!isPipelineCommand(name)) throw new Error(`the pipeline bundle does not serve "${name}"`);
    PIPELINE[name](program);
  });
}
