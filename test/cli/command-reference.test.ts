import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// docs/commands.md is generated from the CLI's help; a changed flag must regenerate it.
describe("command reference", () => {
  it("docs/commands.md matches the CLI's own --help", () => {
    expect(() =>
      execFileSync(process.execPath, ["scripts/gen-command-reference.mjs", "--check"], {
        stdio: "pipe",
      }),
    ).not.toThrow();
  });
});
