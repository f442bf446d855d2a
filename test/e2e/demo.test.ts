import { describe, expect, it } from "vitest";
import { runCli } from "./cli-run.js";

// The demo is the README's first command and CI's smoke test of the whole flow.
describe("bb-oidc demo", () => {
  it("walks the whole recipe on the emulator and exits 0", async () => {
    const r = await runCli(["demo"], { env: { HOME: "/tmp" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = r.stdout;
    for (const line of [
      "━━ 1/7  Discover the workspace",
      "IAM thumbprint",
      "━━ 2/7",
      "✓ no problems in 1 file",
      "| web env production | ✓ |",
      "| any other repository | ✗ |",
      "━━ 3/7",
      "CREATE_COMPLETE",
      "━━ 4/7",
      '"Arn": "arn:aws:sts::111111111111:assumed-role/deploy-web-prod/bb-web-42"',
      "━━ 5/7",
      "ExpiredTokenException",
      "No OpenIDConnect provider found in your account for https://api.bitbucket.org/2.0/workspaces/globex/pipelines-config/identity/oidc",
      "━━ 6/7",
      "no-subject-condition",
      "admin-access",
      "━━ 7/7",
      "every step behaved as expected",
    ]) {
      expect(out).toContain(line);
    }
    // The demo shows the shape of the credentials, never the secrets.
    expect(out).toContain('"SecretAccessKey": "…(secret)…"');
  }, 60_000);
});
