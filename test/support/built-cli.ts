import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BUILT_CLI = fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url));

/**
 * `npm test` builds dist/ before vitest starts; a bare `npx vitest` in a fresh clone may not have
 * it. Build only then: test files run in parallel, and rebuilding under a running CLI breaks it.
 */
export function ensureBuilt(): void {
  if (!existsSync(BUILT_CLI))
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });
}
