import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../../support/built-cli.js";

const ROOT = join(import.meta.dirname, "../../..");
const FIX = "test/provision/lint/fixtures";

function lint(...args: string[]) {
  const r = spawnSync("node", ["dist/cli.cjs", "lint", ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  ensureBuilt();
});

describe("bb-oidc lint (built CLI)", () => {
  it("exits 1 on error findings, grouped by file with fix lines and a summary", () => {
    const r = lint(`${FIX}/seed-style.yaml`, `${FIX}/pipelines-without-oidc.yml`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^test\/provision\/lint\/fixtures\/seed-style\.yaml$/m);
    expect(r.stdout).toMatch(/seed-style\.yaml:\d+:\d+ {2}error {4}no-subject-condition {2}/);
    expect(r.stdout).toMatch(/^ {4}fix: /m);
    expect(r.stdout).toMatch(/✗ \d+ errors, \d+ warnings?, \d+ notes? in 2 files\n$/);
  });

  it("exits 0 when there are only warnings or nothing", () => {
    expect(lint(`${FIX}/good-template.yaml`, `${FIX}/pipelines-with-oidc.yml`).code).toBe(0);
    expect(lint(`${FIX}/pipelines-static-keys.yml`).code).toBe(0);
  });

  it("exits 2 on unreadable input and names the file, without a stack trace", () => {
    const missing = lint(`${FIX}/no-such-file.yaml`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no-such-file.yaml");
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const broken = spawnSync("node", ["dist/cli.cjs", "lint", "/dev/null"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain("/dev/null");
  });

  it("--format json prints findings and summary", () => {
    const r = lint("--format", "json", `${FIX}/policies/no-aud.json`);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toMatchObject({ files: 1, errors: 1 });
    expect(out.findings[0]).toMatchObject({
      ruleId: "no-audience-condition",
      severity: "error",
      file: `${FIX}/policies/no-aud.json`,
    });
    expect(out.findings[0].line).toBeGreaterThan(0);
  });

  it("--parameter, --ip-ranges and --trust-policy-quota reach the rules", () => {
    const stale = lint(
      "--format",
      "json",
      "--ip-ranges",
      `${FIX}/ip-ranges.json`,
      `${FIX}/seed-style.yaml`,
    );
    expect(JSON.parse(stale.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toContain(
      "stale-ip-ranges",
    );
    expect(lint(`${FIX}/policies/too-large.json`).code).toBe(1);
    expect(lint("--trust-policy-quota", "8192", `${FIX}/policies/too-large.json`).code).toBe(0);
    const given = lint(
      "--format",
      "json",
      "--parameter",
      "Workspace=acme",
      `${FIX}/seed-style.yaml`,
    );
    expect(given.stdout).not.toContain('"parameter Workspace has no value');
    expect(lint("--parameter", "nope", `${FIX}/seed-style.yaml`).code).toBe(2);
    expect(lint("--format", "xml", `${FIX}/seed-style.yaml`).code).toBe(2);
  });
});
