/**
 * AssumeRole hops (test/cases/chained) through the library (`decideAssumeRole`) and through
 * `bb-oidc explain --assume-role --json`: each agrees with the case, and the CLI says exactly
 * what the library says.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AssumeRoleDecision } from "../../src/sts/index.js";
import {
  chainedMismatches,
  decideChainedCase,
  explainAssumeRoleArgs,
  loadChainedCases,
  validateChainedCase,
} from "./chained-kit.js";
import { type CliResult, ensureBuilt, pool, runCli } from "./cli-kit.js";

const cases = loadChainedCases();

describe("chained decision cases: the library", () => {
  it("there are cases, and each follows the schema", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    for (const { slug, case: c } of cases) expect(validateChainedCase(slug, c), slug).toEqual([]);
  });
  for (const { slug, case: c } of cases) {
    it(slug, () => {
      const d = decideChainedCase(c);
      expect(chainedMismatches(c, d), d.reason).toEqual([]);
    });
  }
});

describe("chained decision cases: bb-oidc explain --assume-role --json", () => {
  let dir: string;
  const results = new Map<string, { cli: CliResult; library: AssumeRoleDecision }>();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bb-oidc-chained-cli-"));
    ensureBuilt(dir);
    await pool(
      cases.map(({ slug, case: c }) => async () => {
        const file = join(dir, `${slug}.json`);
        writeFileSync(file, JSON.stringify(c.role.trustPolicy, null, 2));
        results.set(slug, {
          cli: await runCli(explainAssumeRoleArgs(c, file)),
          library: decideChainedCase(c),
        });
      }),
      3,
    );
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  for (const { slug, case: c } of cases) {
    it(slug, () => {
      const { cli, library } = results.get(slug)!;
      expect(cli.exitCode, cli.stderr).toBe(c.expect.decision === "allow" ? 0 : 1);
      const out = JSON.parse(cli.stdout) as {
        decision: string;
        error: { code: string; httpStatus: number; message: string } | null;
        reason: string;
        assumedRoleArn?: string;
        sourceIdentity?: string;
      };
      expect({
        decision: out.decision,
        code: out.error?.code,
        message: out.error?.message,
        reason: out.reason,
        assumedRoleArn: out.assumedRoleArn,
        sourceIdentity: out.sourceIdentity,
      }).toEqual({
        decision: library.ok ? "allow" : "deny",
        code: library.ok ? undefined : library.error.code,
        message: library.ok ? undefined : library.error.message,
        reason: library.reason,
        assumedRoleArn: library.ok ? library.assumedRoleArn : undefined,
        sourceIdentity: library.ok ? library.sourceIdentity : undefined,
      });
      expect(out.decision).toBe(c.expect.decision);
    });
  }
});
