import { createInterface } from "node:readline/promises";
import { InputError } from "../../errors.js";

/**
 * Asks before changing anything: `--yes` answers for CI; elsewhere a terminal is needed, and
 * anything but y/yes declines.
 */
export async function confirm(
  question: string,
  yes: boolean | undefined,
  action = "execute the change set",
): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new InputError(`refusing to ${action} without confirmation: not a terminal`, {
      hint: `Review what is shown above and pass --yes to ${action} (as in CI).`,
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
