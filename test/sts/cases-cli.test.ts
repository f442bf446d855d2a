/**
 * The decision cases through the built CLI: `node dist/cli.cjs explain … --json`, as a child
 * process. Asserts the exit code (0 allow, 1 deny), the JSON decision and error code against the
 * case, and that the CLI says exactly what the library says.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebIdentityDecision } from "../../src/sts/index.js";
import {
  buildToken,
  type CaseKeys,
  cliRejectsAsInput,
  cliSkipReason,
  explainArgs,
  generateCaseKeys,
  loadCases,
} from "./case-kit.js";
import { type CliResult, ensureBuilt, pool, runCli } from "./cli-kit.js";
import { KNOWN_DISAGREEMENTS } from "./known-disagreements.js";
import { decideCase } from "./library-door.js";

const cases = loadCases();
const results = new Map<string, { cli: CliResult; library: WebIdentityDecision }>();
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-cases-cli-"));
  ensureBuilt(dir);
  const keys: CaseKeys = await generateCaseKeys();
  const jwks = join(dir, "jwks.json");
  writeFileSync(jwks, JSON.stringify(keys.jwks));
  const runnable = cases.filter((f) => cliSkipReason(f.case) === undefined);
  const jobs = runnable.map((f) => async () => {
    const trustPolicy = join(dir, `${f.slug}.policy.json`);
    writeFileSync(trustPolicy, JSON.stringify(f.case.role.trustPolicy, null, 2));
    const built = await buildToken(f.case, keys.signing);
    const [cli, library] = await Promise.all([
      runCli(explainArgs(f.case, built, { trustPolicy, jwks })),
      decideCase(f.case, keys),
    ]);
    results.set(f.slug, { cli, library });
  });
  await pool(jobs, 3);
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("decision cases: bb-oidc explain --json", () => {
  for (const { slug, case: c } of cases) {
    const skip = cliSkipReason(c);
    if (skip) {
      it.skip(`${slug} (${skip})`, () => {});
      continue;
    }
    if (cliRejectsAsInput(c)) {
      it(`${slug}: explain refuses the token as input (exit 2)`, () => {
        const { cli } = results.get(slug)!;
        expect(cli.exitCode, cli.stderr).toBe(2);
        expect(cli.stdout).toBe("");
        expect(cli.stderr).toMatch(/^bb-oidc: /);
        expect(cli.stderr).not.toMatch(/\n\s+at /);
      });
      continue;
    }
    const known = KNOWN_DISAGREEMENTS[slug];
    const test = known ? it.fails : it;
    test(known ? `${slug} [known engine disagreement]` : slug, () => {
      const { cli, library } = results.get(slug)!;
      const out = JSON.parse(cli.stdout) as {
        decision: string;
        error: { code: string; httpStatus: number; message: string } | null;
        reason: string;
      };
      const e = c.expect;
      expect(cli.exitCode, cli.stderr).toBe(e.decision === "allow" ? 0 : 1);
      expect(out.decision).toBe(e.decision);
      expect(out.error?.code).toBe(e.code);
      if (e.httpStatus !== undefined) expect(out.error?.httpStatus).toBe(e.httpStatus);
      if (e.message !== undefined) expect(out.error?.message).toBe(e.message);
      // Same answer through both doors.
      expect({
        decision: out.decision,
        code: out.error?.code,
        httpStatus: out.error?.httpStatus,
        message: out.error?.message,
        reason: out.reason,
      }).toEqual({
        decision: library.ok ? "allow" : "deny",
        code: library.ok ? undefined : library.error.code,
        httpStatus: library.ok ? undefined : library.error.httpStatus,
        message: library.ok ? undefined : library.error.message,
        reason: library.reason,
      });
    });
  }
});
