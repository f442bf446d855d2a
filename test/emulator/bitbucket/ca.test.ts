import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateCa } from "../../../src/emulator/certs/index.js";
import { openMemoryStore } from "../../../src/emulator/store/index.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const DAY = 86_400;

describe("CA chain", () => {
  it("builds root → intermediate → leaf with the right names, roles and lifetimes", async () => {
    const now = Math.floor(Date.now() / 1000);
    const ca = await loadOrCreateCa(openMemoryStore(), { now });
    const root = new X509Certificate(ca.rootPem);
    const inter = new X509Certificate(ca.intermediatePem);
    const leaf = new X509Certificate(ca.leafPem);
    expect(root.ca && inter.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(inter.verify(root.publicKey)).toBe(true);
    expect(leaf.verify(inter.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toContain("DNS:api.bitbucket.org");
    expect(leaf.subjectAltName).toContain("DNS:localhost");
    expect(leaf.subjectAltName).toContain("IP Address:127.0.0.1");
    const years = (c: X509Certificate) => (Date.parse(c.validTo) / 1000 - now) / (365 * DAY);
    expect(years(root)).toBeCloseTo(10, 1);
    expect(years(inter)).toBeCloseTo(10, 1);
    expect(years(leaf)).toBeCloseTo(1, 1);
    expect(ca.chainPem).toBe(ca.leafPem + ca.intermediatePem);
    expect(await readFile(ca.caFile, "utf8")).toBe(ca.rootPem);
  });

  it("reuses the chain, and renews only the leaf within 30 days of its expiry", async () => {
    const store = openMemoryStore();
    const now = Math.floor(Date.now() / 1000);
    const first = await loadOrCreateCa(store, { now });
    const same = await loadOrCreateCa(store, { now: now + 300 * DAY });
    expect(same.leafPem).toBe(first.leafPem);
    const renewed = await loadOrCreateCa(store, { now: now + 340 * DAY });
    expect(renewed.leafPem).not.toBe(first.leafPem);
    expect(renewed.intermediatePem).toBe(first.intermediatePem);
    expect(renewed.rootPem).toBe(first.rootPem);
    expect(renewed.thumbprint).toBe(first.thumbprint);
    const leaf = new X509Certificate(renewed.leafPem);
    expect(Date.parse(leaf.validTo) / 1000).toBeGreaterThan(now + 700 * DAY);
    // Persisted: a later load sees the renewed leaf.
    expect((await loadOrCreateCa(store, { now: now + 341 * DAY })).leafPem).toBe(renewed.leafPem);
  });

  it("works on a plain directory too, writing the root next to the chain", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bb-oidc-ca-"));
    dirs.push(dir);
    const a = await loadOrCreateCa(dir);
    const b = await loadOrCreateCa(dir);
    expect(b.thumbprint).toBe(a.thumbprint);
    expect(a.caFile).toBe(join(dir, "ca-root.pem"));
  });
});
