import { registerCommands } from "./commands/index.js";
import { runCli } from "./program.js";

// The full CLI: every command, each loaded from its own chunk when it runs (see launcher.ts).
await runCli(process.argv, (program) => registerCommands(program, process.argv));
