import type { Command } from "commander";
import { selfCommand } from "../sea.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "The whole keyless recipe on the embedded emulator: discover, template, lint, who-can, deploy, a pipeline step's exchange, refusals explained, the seed-style setup linted. Exit 0, or 1 naming the step that misbehaved.",
    )
    .option("--keep-running", "leave the emulator up at the end and print the variables to use it")
    .action(async (opts: { keepRunning?: boolean }) => {
      const { runDemo } = await import("../demo/story.js");
      const { DemoStepFailed } = await import("../demo/runner.js");
      try {
        await runDemo({
          // Empty in the single executable: the binary itself is the CLI.
          cliPath: selfCommand().prefix[0] ?? "",
          keepRunning: opts.keepRunning === true,
          io: { print: (t = "") => process.stdout.write(`${t}\n`) },
          waitForStop: () =>
            new Promise((resolve) => {
              process.once("SIGINT", () => resolve());
              process.once("SIGTERM", () => resolve());
            }),
        });
      } catch (err) {
        if (err instanceof DemoStepFailed) {
          process.stdout.write(`\nDEMO FAILED at step "${err.step}": ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}
