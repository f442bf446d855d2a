import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, ROOT } from "../support/built-cli.js";
import { TSC, typeCheck } from "../support/type-check.js";

/**
 * The package as a library: `bb-oidc` and `bb-oidc/emulator` resolve through package.json's
 * exports (Node's self-reference, as a dependent project would), run, and carry types.
 */
let scratch: string;
beforeAll(() => {
  ensureBuilt();
  // What npm's prepare does after the build.
  execFileSync(process.execPath, [TSC, "-p", "tsconfig.types.json"], { cwd: ROOT });
  scratch = mkdtempSync(join(tmpdir(), "bb-oidc-library-"));
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runModule(source: string) {
  return spawnSync(process.execPath, ["--input-type=module", "-e", source], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, STATE: join(scratch, "state") },
  });
}

describe("bb-oidc as a library", () => {
  it("starts the emulator from bb-oidc/emulator, and shares error classes with bb-oidc", () => {
    const r = runModule(`
      import { BbOidcError } from "bb-oidc";
      import { startEmulator } from "bb-oidc/emulator";
      const emu = await startEmulator({ awsPort: 0, bitbucketPort: 0, stateDir: process.env.STATE });
      const health = await (await fetch(emu.awsEndpoint + "/_emulator/health")).json();
      await emu.close();
      let refusal;
      try { await startEmulator({ sourceIp: "not-an-address" }); } catch (e) { refusal = e; }
      console.log(JSON.stringify({ health, issuer: emu.workspaces[0].issuer,
        sameClass: refusal instanceof BbOidcError, message: refusal?.message }));
    `);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.health).toEqual({ ok: true });
    expect(out.issuer).toBe(
      "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
    );
    expect(out.sameClass).toBe(true);
    expect(out.message).toContain("not-an-address");
  });

  it("ships declarations a TypeScript user's code checks against", () => {
    const r = typeCheck("test/package/consumer/tsconfig.json");
    expect(r.output).toBe("");
    expect(r.ok).toBe(true);
  }, 60_000);
});
