import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./built-cli.js";

/** The project's own TypeScript compiler, as a user's build would run it. */
export const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

/**
 * Type-checks a TypeScript project (`tsc -p`): `ok` when it compiles, `output` what tsc said
 * (empty when it had nothing to say).
 */
export function typeCheck(project: string): { ok: boolean; output: string } {
  const r = spawnSync(process.execPath, [TSC, "-p", project], { cwd: ROOT, encoding: "utf8" });
  return { ok: r.status === 0, output: r.stdout + r.stderr };
}
