import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetchError } from "../../src/errors.js";
import {
  createHttpsFetcher,
  fetchDiscovery,
  fetchTlsChain,
  iamThumbprint,
} from "../../src/oidc/index.js";
import { startHttpsServer, type TestHttpsServer } from "./helpers/https-server.js";
import { createTestPki, type TestPki } from "./helpers/pki.js";

const ISSUER = "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";

let pki: TestPki;
let other: TestPki;
let srv: TestHttpsServer;

beforeAll(async () => {
  pki = await createTestPki();
  other = await createTestPki({ name: "other" });
  srv = await startHttpsServer(pki, {
    "/2.0/workspaces/acme/pipelines-config/identity/oidc/.well-known/openid-configuration": {
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/keys.json`,
    },
    "/2.0/workspaces/acme/pipelines-config/identity/oidc/keys.json": { keys: [] },
    "/not-json": (_req: unknown, res: import("node:http").ServerResponse) => {
      res.writeHead(200);
      res.end("<html>");
    },
    "/big": (_req: unknown, res: import("node:http").ServerResponse) => {
      res.writeHead(200);
      res.end(`"${"x".repeat(5000)}"`);
    },
    "/slow": () => {
      /* never answers */
    },
  });
});

afterAll(async () => {
  await srv?.close();
});

async function fetchError(p: Promise<unknown>): Promise<FetchError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FetchError);
  return e as FetchError;
}

describe("createHttpsFetcher", () => {
  it("maps api.bitbucket.org to the local server, keeping SNI and Host", async () => {
    const fetcher = createHttpsFetcher({
      ca: pki.caPem,
      hostMap: { "api.bitbucket.org": srv.address },
    });
    const doc = await fetchDiscovery(ISSUER, fetcher);
    expect(doc.jwks_uri).toBe(`${ISSUER}/keys.json`);
    const last = srv.requests.at(-1)!;
    expect(last.host).toBe("api.bitbucket.org");
    expect(last.servername).toBe("api.bitbucket.org");
    expect(await fetcher(doc.jwks_uri, { timeoutMs: 2000 })).toEqual({ keys: [] });
  });

  it("refuses a certificate from an untrusted CA with ERR_FETCH_TLS", async () => {
    const fetcher = createHttpsFetcher({
      ca: other.caPem,
      hostMap: { "api.bitbucket.org": srv.address },
    });
    const e = await fetchError(fetcher(`${ISSUER}/keys.json`, { timeoutMs: 2000 }));
    expect(e.code).toBe("ERR_FETCH_TLS");
    expect(e.url).toBe(`${ISSUER}/keys.json`);
  });

  it("refuses a certificate for another host name with ERR_FETCH_TLS", async () => {
    const fetcher = createHttpsFetcher({ ca: pki.caPem, hostMap: { "evil.example": srv.address } });
    const e = await fetchError(fetcher("https://evil.example/x", { timeoutMs: 2000 }));
    expect(e.code).toBe("ERR_FETCH_TLS");
  });

  it("reports HTTP status, bad JSON, size, timeout and network errors", async () => {
    const fetcher = createHttpsFetcher({
      ca: pki.caPem,
      hostMap: { "api.bitbucket.org": srv.address },
      maxBytes: 1000,
    });
    const notFound = await fetchError(
      fetcher("https://api.bitbucket.org/nope", { timeoutMs: 2000 }),
    );
    expect(notFound.code).toBe("ERR_FETCH_HTTP_STATUS");
    expect(notFound.actual).toBe(404);
    expect(
      (await fetchError(fetcher("https://api.bitbucket.org/not-json", { timeoutMs: 2000 }))).code,
    ).toBe("ERR_FETCH_BAD_JSON");
    expect(
      (await fetchError(fetcher("https://api.bitbucket.org/big", { timeoutMs: 2000 }))).code,
    ).toBe("ERR_FETCH_TOO_LARGE");
    const slow = await fetchError(fetcher("https://api.bitbucket.org/slow", { timeoutMs: 200 }));
    expect(slow.code).toBe("ERR_FETCH_TIMEOUT");
    expect(slow.url).toBe("https://api.bitbucket.org/slow");
    const closed = createHttpsFetcher({ hostMap: { "api.bitbucket.org": "127.0.0.1:1" } });
    expect(
      (await fetchError(closed("https://api.bitbucket.org/x", { timeoutMs: 2000 }))).code,
    ).toBe("ERR_FETCH_NETWORK");
    expect(
      (await fetchError(fetcher("http://api.bitbucket.org/x", { timeoutMs: 2000 }))).code,
    ).toBe("ERR_FETCH_NOT_HTTPS");
  });

  it("discovery 404 carries a hint", async () => {
    const fetcher = createHttpsFetcher({
      ca: pki.caPem,
      hostMap: { "api.bitbucket.org": srv.address },
    });
    const e = await fetchError(
      fetchDiscovery(
        "https://api.bitbucket.org/2.0/workspaces/none/pipelines-config/identity/oidc",
        fetcher,
      ),
    );
    expect(e.code).toBe("ERR_FETCH_HTTP_STATUS");
    expect(e.hint).toMatch(/oidc: true/);
  });
});

describe("fetchTlsChain", () => {
  it("returns the served chain in order and the IAM thumbprint of the intermediate", async () => {
    const chain = await fetchTlsChain("api.bitbucket.org", srv.port, {
      connectHost: "127.0.0.1",
      ca: pki.caPem,
    });
    expect(chain.source).toBe("handshake");
    expect(chain.authorized).toBe(true);
    expect(chain.servername).toBe("api.bitbucket.org");
    expect(chain.certificates.map((c) => c.sha1)).toEqual([pki.leaf.sha1, pki.intermediate.sha1]);
    expect(chain.certificates[0]!.subject).toContain("CN=api.bitbucket.org");
    expect(chain.certificates[1]!.pem).toContain("BEGIN CERTIFICATE");
    expect(iamThumbprint(chain)).toBe(pki.intermediate.sha1);
    expect(iamThumbprint(chain)).toMatch(/^[0-9a-f]{40}$/);
  });

  it("includes the root when the server sends it (thumbprint = last served)", async () => {
    const withRoot = await startHttpsServer(pki, {}, { sendRoot: true });
    try {
      const chain = await fetchTlsChain("api.bitbucket.org", withRoot.port, {
        connectHost: "127.0.0.1",
        ca: pki.caPem,
      });
      expect(chain.certificates.map((c) => c.sha1)).toEqual([
        pki.leaf.sha1,
        pki.intermediate.sha1,
        pki.root.sha1,
      ]);
      expect(chain.certificates[2]!.selfSigned).toBe(true);
      expect(iamThumbprint(chain)).toBe(pki.root.sha1);
    } finally {
      await withRoot.close();
    }
  });

  it("falls back to a reconstructed chain for a TLS 1.3-only server", async () => {
    const tls13 = await startHttpsServer(pki, {}, { minVersion: "TLSv1.3" });
    try {
      const chain = await fetchTlsChain("api.bitbucket.org", tls13.port, {
        connectHost: "127.0.0.1",
        ca: pki.caPem,
      });
      expect(chain.source).toBe("reconstructed");
      expect(chain.protocol).toBe("TLSv1.3");
      expect(iamThumbprint(chain)).toBe(pki.intermediate.sha1);
    } finally {
      await tls13.close();
    }
  });

  it("untrusted CA: ERR_FETCH_TLS, or the chain with authorized=false when allowed", async () => {
    const e = await fetchError(
      fetchTlsChain("api.bitbucket.org", srv.port, { connectHost: "127.0.0.1", ca: other.caPem }),
    );
    expect(e.code).toBe("ERR_FETCH_TLS");
    const chain = await fetchTlsChain("api.bitbucket.org", srv.port, {
      connectHost: "127.0.0.1",
      ca: other.caPem,
      rejectUnauthorized: false,
    });
    expect(chain.authorized).toBe(false);
    expect(chain.authorizationError).toBeTruthy();
    expect(iamThumbprint(chain)).toBe(pki.intermediate.sha1);
  });
});
