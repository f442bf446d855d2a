/**
 * `discover` (the library) against the project's emulator: its Bitbucket side stands in for
 * api.bitbucket.org. The CLI against the emulator is in cli.test.ts (one build per run).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAudience, issuerFor } from "../../src/bitbucket/index.js";
import { discover } from "../../src/discover/index.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { opensslSha1 } from "./world.js";

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ awsPort: 0, bitbucketPort: 0, workspaces: ["acme"] });
}, 120_000);

afterAll(async () => {
  await emu?.close();
});

describe("discover against the emulator", () => {
  it("finds the real issuer, the workspace's UUID and the emulator's thumbprint", async () => {
    const ws = emu.workspaces[0]!;
    const r = await discover({
      workspace: "acme",
      apiBase: emu.bitbucketEndpoint,
      ca: readFileSync(emu.caFile, "utf8"),
      ipRangesUrl: `${emu.bitbucketEndpoint}/ip-ranges.json`,
      now: Math.floor(Date.now() / 1000),
    });
    expect(r.issuer).toBe(issuerFor("acme"));
    expect(r.issuer).toBe(ws.issuer);
    expect(r.workspace.uuid).toBe(ws.uuid);
    expect(r.workspace.uuidSource).toBe("workspace-endpoint");
    expect(r.defaultAudience).toBe(defaultAudience(ws.uuid));
    expect(r.thumbprints).toEqual([emu.thumbprint]);
    // Independently: the emulator's CA file holds only the root; the thumbprint is the served
    // intermediate's, which openssl computes from the last certificate of the chain.
    const served = r.tls[0]!.certificates;
    expect(opensslSha1(served[served.length - 1]!.pem)).toBe(emu.thumbprint);
    expect(r.keys.keys.length).toBeGreaterThan(0);
    expect(r.keys.keys.every((k) => k.kty === "RSA" && (k.bits ?? 0) >= 2048)).toBe(true);
    const egress = r.ipRanges!.egress;
    expect(egress.length).toBeGreaterThan(0);
    for (const cidr of egress) {
      expect(cidr).toMatch(/^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8:)/);
    }
  });
});
