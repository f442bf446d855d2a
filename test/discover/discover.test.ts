import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  base64UrlBitLength,
  connectionPlan,
  type DiscoverOptions,
  discover,
  opensslCommands,
  renderDiscoveryText,
} from "../../src/discover/index.js";
import { BbOidcError, FetchError, InputError, TokenError } from "../../src/errors.js";
import {
  DEFAULT_AUDIENCE,
  EGRESS,
  FEED,
  ISSUER,
  issuerOf,
  mintToken,
  opensslSha1,
  startWorld,
  WORKSPACE_UUID,
  type World,
} from "./world.js";

const execFileAsync = promisify(execFile);

let world: World;
const now = () => Math.floor(Date.now() / 1000);

function opts(extra: Partial<DiscoverOptions> = {}): DiscoverOptions {
  return {
    workspace: "acme",
    apiBase: world.apiBase,
    ca: world.pki.caPem,
    ipRangesUrl: world.feedUrl,
    now: now(),
    ...extra,
  };
}

async function failure(p: Promise<unknown>): Promise<BbOidcError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BbOidcError);
  return e as BbOidcError;
}

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.close();
});

describe("connectionPlan", () => {
  it("needs no mapping for the real API", () => {
    expect(connectionPlan("acme")).toEqual({ issuer: ISSUER });
    expect(connectionPlan("acme", "https://api.bitbucket.org")).toEqual({ issuer: ISSUER });
  });

  it("lets another api base stand in for api.bitbucket.org:443, keeping the real issuer", () => {
    expect(connectionPlan("acme", "https://127.0.0.1:8443")).toEqual({
      issuer: ISSUER,
      standInIssuer: issuerOf("acme", "https://127.0.0.1:8443"),
      hostMap: { "api.bitbucket.org:443": "127.0.0.1:8443" },
      via: "127.0.0.1:8443",
    });
    expect(connectionPlan("acme", "https://[::1]:9000").via).toBe("[::1]:9000");
  });
});

describe("discover against a local stand-in for api.bitbucket.org", () => {
  it("reports the real issuer, keys, workspace UUID, audience, thumbprint and egress", async () => {
    const r = await discover(opts());
    expect(r.issuer).toBe(ISSUER);
    expect(r.via).toBe(`127.0.0.1:${world.srv.port}`);
    expect(r.discovery.url).toBe(`${ISSUER}/.well-known/openid-configuration`);
    expect(r.discovery.jwksUri).toBe(`${ISSUER}/keys.json`);
    expect(r.discovery.signingAlgorithms).toEqual(["RS256"]);
    expect(r.keys.keys).toEqual([
      { kid: "bb-test-key-1", kty: "RSA", alg: "RS256", use: "sig", bits: 2048 },
    ]);
    expect(r.workspace).toEqual({
      slug: "acme",
      uuid: WORKSPACE_UUID,
      uuidSource: "workspace-endpoint",
      name: "Acme",
      endpoint: "https://api.bitbucket.org/2.0/workspaces/acme",
    });
    expect(r.defaultAudience).toBe(DEFAULT_AUDIENCE);
    expect(r.provider).toEqual({
      url: ISSUER,
      hostPath: ISSUER.slice("https://".length),
      arnPattern: `arn:aws:iam::<account>:oidc-provider/${ISSUER.slice("https://".length)}`,
      clientIds: [DEFAULT_AUDIENCE],
      thumbprints: r.thumbprints,
    });
    expect(r.ipRanges).toMatchObject({
      url: world.feedUrl,
      syncToken: FEED.syncToken,
      creationDate: FEED.creationDate,
      egress: EGRESS,
      ipv4: 2,
      ipv6: 1,
    });
    expect(r.ipRanges!.note).toContain("atlassian-ip-ranges: true");
    expect(r.warnings).toEqual([]);
    // Every request reached the stand-in under the real host name, with SNI.
    const seen = world.srv.requests.filter((q) => q.path.startsWith("/2.0/workspaces/acme"));
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const q of seen) {
      expect(q.host).toBe("api.bitbucket.org");
      expect(q.servername).toBe("api.bitbucket.org");
    }
  });

  it("takes the thumbprint from the served intermediate, as openssl computes it", async () => {
    const r = await discover(opts());
    const expected = opensslSha1(world.pki.intermediate.pem);
    expect(expected).toMatch(/^[0-9a-f]{40}$/);
    expect(r.thumbprints).toEqual([expected]);
    expect(r.tls).toHaveLength(1); // discovery and keys share api.bitbucket.org
    const t = r.tls[0]!;
    expect(t).toMatchObject({
      host: "api.bitbucket.org",
      port: 443,
      serves: ["jwks_uri", "discovery"],
      connectedTo: `127.0.0.1:${world.srv.port}`,
      chainSource: "handshake",
      thumbprint: expected,
    });
    expect(t.certificates.map((c) => c.sha1)).toEqual([opensslSha1(world.pki.leaf.pem), expected]);
    expect(t.certificates[0]!.subject).toContain("CN=api.bitbucket.org");
    expect(t.certificates[1]!.subject).toContain("Intermediate CA");
    expect(t.certificates[1]!.daysLeft).toBeGreaterThan(360);
  });

  it("prints openssl commands that reproduce the thumbprint", async () => {
    const r = await discover(opts());
    const t = r.tls[0]!;
    expect(t.openssl).toContain(
      `openssl s_client -servername api.bitbucket.org -showcerts -connect 127.0.0.1:${world.srv.port} </dev/null`,
    );
    const dir = mkdtempSync(join(tmpdir(), "bb-oidc-openssl-"));
    try {
      // Asynchronously: the server answering openssl runs in this very process.
      const { stdout: out } = await execFileAsync("/bin/sh", ["-c", t.openssl.join("\n")], {
        cwd: dir,
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(out.trim().split("\n").at(-1)).toBe(t.thumbprint);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the real host in the openssl commands when nothing stands in", () => {
    expect(opensslCommands("api.bitbucket.org", 443)[1]).toBe(
      "openssl s_client -servername api.bitbucket.org -showcerts -connect api.bitbucket.org:443 </dev/null",
    );
  });

  it("takes the workspace UUID from the flag, braces added", async () => {
    const r = await discover(
      opts({ workspaceUuid: WORKSPACE_UUID.slice(1, -1), ipRangesUrl: false }),
    );
    expect(r.workspace).toEqual({ slug: "acme", uuid: WORKSPACE_UUID, uuidSource: "flag" });
    expect(r.defaultAudience).toBe(DEFAULT_AUDIENCE);
    expect(r.ipRanges).toBeUndefined();
  });

  it("takes the workspace UUID from a token whose signature verifies", async () => {
    const token = await mintToken(world);
    const r = await discover(opts({ token, ipRangesUrl: false }));
    expect(r.workspace).toEqual({ slug: "acme", uuid: WORKSPACE_UUID, uuidSource: "token" });
  });

  it("refuses a token of another workspace before any request", async () => {
    const token = await mintToken(world, { iss: issuerOf("someone-else") });
    const before = world.srv.requests.length;
    const e = await failure(discover(opts({ token })));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toContain(issuerOf("someone-else"));
    expect(world.srv.requests.length).toBe(before);
  });

  it("refuses a token not signed by the workspace's keys", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await mintToken(world, {}, privateKey as CryptoKey);
    const e = await failure(discover(opts({ token, ipRangesUrl: false })));
    expect(e).toBeInstanceOf(TokenError);
    expect(e.code).toBe("ERR_SIGNATURE_INVALID");
  });

  it("refuses a discovery document declaring another issuer, naming the URL", async () => {
    const e = await failure(discover(opts({ workspace: "liar", workspaceUuid: WORKSPACE_UUID })));
    expect(e).toBeInstanceOf(FetchError);
    expect(e.code).toBe("ERR_DISCOVERY_ISSUER_MISMATCH");
    expect((e as FetchError).url).toBe(`${issuerOf("liar")}/.well-known/openid-configuration`);
    expect(e.message).toContain(`${issuerOf("liar")}/.well-known/openid-configuration`);
    expect(e.message).toContain(`127.0.0.1:${world.srv.port}`);
  });

  it("refuses a server whose chain it does not trust", async () => {
    const other = await startWorld({ name: "untrusted" });
    try {
      const e = await failure(discover({ ...opts(), ca: other.pki.caPem }));
      expect(e).toBeInstanceOf(FetchError);
      expect(e.code).toBe("ERR_FETCH_TLS");
      expect(e.message).toContain(`${ISSUER}/.well-known/openid-configuration`);
    } finally {
      await other.close();
    }
  });

  it("says the workspace endpoint needs authentication and what to give instead", async () => {
    const e = await failure(discover(opts({ workspace: "private", ipRangesUrl: false })));
    expect(e.code).toBe("ERR_FETCH_HTTP_STATUS");
    expect(e.actual).toBe(403);
    expect(e.message).toContain("https://api.bitbucket.org/2.0/workspaces/private");
    expect(e.message).toContain("authentication");
    expect(e.hint).toContain("--workspace-uuid");
    expect(e.hint).toContain("--token");
  });

  it("accepts a stand-in that declares its own address as the issuer", async () => {
    const r = await discover(opts({ workspace: "selfie" }));
    expect(r.issuer).toBe(issuerOf("selfie", world.apiBase));
    expect(r.tls).toHaveLength(1);
    expect(r.tls[0]!.host).toBe("127.0.0.1");
    expect(r.tls[0]!.connectedTo).toBeUndefined();
    expect(r.thumbprints).toEqual([opensslSha1(world.pki.intermediate.pem)]);
    expect(r.workspace.uuid).toBe(WORKSPACE_UUID);
  });

  it("fails with the URL when the stand-in is unreachable", async () => {
    const e = await failure(discover(opts({ apiBase: "https://127.0.0.1:1" })));
    expect(e.code).toBe("ERR_FETCH_NETWORK");
    expect(e.message).toContain(`${ISSUER}/.well-known/openid-configuration`);
    expect(e.message).toContain("127.0.0.1:1");
  });

  it("marks a feed that is not a feed as a gap, naming the URL, and reports the rest", async () => {
    const url = `${world.apiBase}/not-a-feed.json`;
    const r = await discover(opts({ ipRangesUrl: url }));
    expect(r.ipRanges).toBeUndefined();
    expect(r.ipRangesUnavailable?.url).toBe(url);
    expect(r.ipRangesUnavailable?.reason).toContain(url);
    expect(r.warnings.find((w) => w.code === "IP_RANGES_UNAVAILABLE")?.message).toContain(url);
    expect(r.thumbprints.length).toBeGreaterThan(0);
  });

  it("refuses unusable options as input errors", async () => {
    for (const bad of [
      opts({ workspace: WORKSPACE_UUID }),
      opts({ workspace: "no spaces" }),
      opts({ apiBase: "http://127.0.0.1:1" }),
      opts({ workspaceUuid: "not-a-uuid" }),
      opts({ workspaceUuid: WORKSPACE_UUID, token: "a.b.c" }),
      opts({ ipRangesUrl: "http://ip-ranges.example/" }),
    ]) {
      expect(await failure(discover(bad))).toBeInstanceOf(InputError);
    }
  });
});

describe("certificate expiry", () => {
  it("warns about certificates expiring within 30 days", async () => {
    const short = await startWorld({ validDays: 5, name: "short-lived" });
    try {
      const r = await discover({
        workspace: "acme",
        apiBase: short.apiBase,
        ca: short.pki.caPem,
        ipRangesUrl: false,
        now: now(),
      });
      const soon = r.warnings.filter((w) => w.code === "CERT_EXPIRES_SOON");
      expect(soon).toHaveLength(2); // leaf and intermediate (the root is not served)
      expect(soon[0]!.message).toContain("leaf");
      expect(soon[1]!.message).toContain("thumbprint will change");
      expect(r.tls[0]!.certificates[0]!.daysLeft).toBeLessThanOrEqual(5);
    } finally {
      await short.close();
    }
  });

  it("judges expiry against the given now", async () => {
    const later = now() + 350 * 86_400;
    const r = await discover(opts({ now: later, workspaceUuid: WORKSPACE_UUID }));
    expect(r.warnings.map((w) => w.code)).toEqual(["CERT_EXPIRES_SOON", "CERT_EXPIRES_SOON"]);
    const expired = await discover(
      opts({ now: later + 30 * 86_400, workspaceUuid: WORKSPACE_UUID }),
    );
    expect(expired.warnings.map((w) => w.code)).toEqual(["CERT_EXPIRED", "CERT_EXPIRED"]);
  });
});

describe("pieces", () => {
  it("measures RSA moduli in bits", () => {
    expect(base64UrlBitLength(Buffer.from([0x00, 0x80, 0, 0]).toString("base64url"))).toBe(24);
    expect(base64UrlBitLength(Buffer.from([0x01]).toString("base64url"))).toBe(1);
  });

  it("renders every section of the text report", async () => {
    const text = renderDiscoveryText(await discover(opts()));
    for (const heading of [
      "Issuer",
      "Workspace",
      "Audience",
      "Signing keys",
      "TLS chain of api.bitbucket.org:443",
      "IAM OIDC provider",
      "Pipelines egress ranges",
      "Warnings",
    ]) {
      expect(text).toContain(`\n${heading}`);
    }
    expect(text).toContain(DEFAULT_AUDIENCE);
    expect(text).toContain("atlassian-ip-ranges: true");
  });
});
