import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { FetchError, TokenError } from "../../src/errors.js";
import { fetchDiscovery, type JsonFetcher, JwksCache, verifyToken } from "../../src/oidc/index.js";

const ISSUER = "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;
const JWKS_URI = `${ISSUER}/keys.json`;
const T0 = 1_700_000_000_000;

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let k1: KeyPair;
let k2: KeyPair;
let jwk1: JWK;
let jwk2: JWK;

beforeAll(async () => {
  k1 = await generateKeyPair("RS256");
  k2 = await generateKeyPair("RS256");
  jwk1 = { ...(await exportJWK(k1.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  jwk2 = { ...(await exportJWK(k2.publicKey)), kid: "k2", alg: "RS256", use: "sig" };
});

/** A fake issuer: the JWKS it serves and whether it is up can change; counts discovery fetches. */
function fakeIssuer(initial: () => JWK[]) {
  const state = { keys: initial(), up: true, discoveries: 0, delayMs: 0, urls: [] as string[] };
  const fetcher: JsonFetcher = async (url) => {
    state.urls.push(url);
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    if (!state.up) throw new FetchError("ERR_FETCH_NETWORK", `down: ${url}`, url);
    if (url === DISCOVERY) {
      state.discoveries++;
      return { issuer: ISSUER, jwks_uri: JWKS_URI };
    }
    if (url === JWKS_URI) return { keys: state.keys };
    throw new FetchError("ERR_FETCH_HTTP_STATUS", `404 ${url}`, url, { actual: 404 });
  };
  return { state, fetcher };
}

function clock(start = T0) {
  const c = { t: start, now: () => c.t };
  return c;
}

async function keyError(p: Promise<unknown>): Promise<TokenError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TokenError);
  expect((e as TokenError).code).toBe("ERR_KEY_NOT_FOUND");
  return e as TokenError;
}

describe("JwksCache", () => {
  it("fetches discovery then JWKS, and caches", async () => {
    const { state, fetcher } = fakeIssuer(() => [jwk1]);
    const c = clock();
    const cache = new JwksCache({ fetcher, now: c.now });
    await cache.getKey(ISSUER, { alg: "RS256", kid: "k1" });
    await cache.getKey(ISSUER, { alg: "RS256", kid: "k1" });
    expect(state.urls).toEqual([DISCOVERY, JWKS_URI]);
    expect(cache.peek(ISSUER)?.jwksUri).toBe(JWKS_URI);
  });

  it("key rotation: a new kid appears after a refetch", async () => {
    const { state, fetcher } = fakeIssuer(() => [jwk1]);
    const c = clock();
    const cache = new JwksCache({ fetcher, now: c.now });
    await cache.getKey(ISSUER, { alg: "RS256", kid: "k1" });
    state.keys = [jwk1, jwk2];
    c.t += 31_000; // past the cooldown
    const token = await new SignJWT({ iss: ISSUER, exp: c.t / 1000 + 60 })
      .setProtectedHeader({ alg: "RS256", kid: "k2" })
      .sign(k2.privateKey);
    await expect(
      verifyToken(token, { keys: cache, issuer: ISSUER, now: c.t / 1000 }),
    ).resolves.toBeTruthy();
    expect(state.discoveries).toBe(2);
  });

  it("unknown kid: refetch, then ERR_KEY_NOT_FOUND; the cooldown prevents a second fetch", async () => {
    const { state, fetcher } = fakeIssuer(() => [jwk1]);
    const c = clock();
    const cache = new JwksCache({ fetcher, now: c.now, cooldownMs: 30_000 });
    await cache.getKey(ISSUER, { alg: "RS256", kid: "k1" });
    c.t += 30_000;
    await keyError(cache.getKey(ISSUER, { alg: "RS256", kid: "zz" }));
    expect(state.discoveries).toBe(2);
    c.t += 29_999;
    const e = await keyError(cache.getKey(ISSUER, { alg: "RS256", kid: "zz" }));
    expect(e.message).toMatch(/not refetching/);
    expect(state.discoveries).toBe(2);
    c.t += 1;
    await keyError(cache.getKey(ISSUER, { alg: "RS256", kid: "zz" }));
    expect(state.discoveries).toBe(3);
  });

  it("an unknown kid on the very first fetch does not fetch twice", async () => {
    const { state, fetcher } = fakeIssuer(() => [jwk1]);
    const cache = new JwksCache({ fetcher, now: clock().now });
    await keyError(cache.getKey(ISSUER, { alg: "RS256", kid: "zz" }));
    expect(state.discoveries).toBe(1);
  });

  it("concurrent getKey calls share one fetch", async () => {
    const { state, fetcher } = fakeIssuer(() => [jwk1, jwk2]);
    state.delayMs = 20;
    const cache = new JwksCache({ fetcher, now: clock().now });
    const keys = await Promise.all(
      [
        cache.getKey(ISSUER, { alg: "RS256", kid: "k1" }),
        cache.getKey(ISSUER, { alg: "RS256", kid: "k2" }),
        cache.getKey(ISSUER, { alg: "RS256", kid: "k1" }),
        cache.getKey(ISSUER, { alg: "RS256", kid: "missing" }),
      ].map((p) => p.catch((e: unknown) => e)),
    );
    expect(state.discoveries).toBe(1);
    expect(state.urls).toEqual([DISCOVERY, JWKS_URI]);
    expect(keys[0]).toBe(keys[2]);
    expect((keys[3] as TokenError).code).toBe("ERR_KEY_NOT_FOUND");
  });

  it("refetches when older than max age", async () => {
    const { state, fetcher } = fakeIssuer(() => [jwk1]);
    const c = clock();
    const cache = new JwksCache({ fetcher, now: c.now, maxAgeMs: 600_000 });
    await cache.getKey(ISSUER, { alg: "RS256", kid: "k1" });
    c.t += 599_999;
    await cache.getKey(ISSUER, { alg: "RS256", kid: "k1" });
    expect(state.discoveries).toBe(1);
    c.t += 1;
    await cache.getKey(ISSUER, { alg: "RS256", kid: "k1" });
    expect(state.discoveries).toBe(2);
  });

  it("a failed refetch keeps serving the last good keys until max age, then fails with the cause", async () => {
    const { state, fetcher } = fakeIssuer(() => [jwk1]);
    const c = clock();
    const cache = new JwksCache({ fetcher, now: c.now, maxAgeMs: 600_000, cooldownMs: 30_000 });
    await cache.getKey(ISSUER, { alg: "RS256", kid: "k1" });
    state.up = false;
    c.t += 60_000;
    const e = await keyError(cache.getKey(ISSUER, { alg: "RS256", kid: "k2" }));
    expect(e.cause).toBeInstanceOf(FetchError);
    await expect(cache.getKey(ISSUER, { alg: "RS256", kid: "k1" })).resolves.toBeTruthy();
    c.t += 540_000;
    const stale = await keyError(cache.getKey(ISSUER, { alg: "RS256", kid: "k1" }));
    expect(stale.actual).toBe("unreachable");
    expect((stale.cause as FetchError).code).toBe("ERR_FETCH_NETWORK");
    // within the cooldown of that failure: no new attempt
    const attempts = state.urls.length;
    await keyError(cache.getKey(ISSUER, { alg: "RS256", kid: "k1" }));
    expect(state.urls.length).toBe(attempts);
    state.up = true;
    c.t += 30_000;
    await expect(cache.getKey(ISSUER, { alg: "RS256", kid: "k1" })).resolves.toBeTruthy();
  });

  it("prime preloads keys without fetching", async () => {
    const { state, fetcher } = fakeIssuer(() => []);
    const cache = new JwksCache({ fetcher, now: clock().now });
    cache.prime(ISSUER, { keys: [jwk1] });
    await cache.getKey(ISSUER, { alg: "RS256", kid: "k1" });
    await cache.getKey(ISSUER, { alg: "RS256" });
    expect(state.urls).toEqual([]);
  });

  it("an invalid JWKS document is a key-not-found with the cause", async () => {
    const fetcher: JsonFetcher = async (url) =>
      url === DISCOVERY ? { issuer: ISSUER, jwks_uri: JWKS_URI } : { nope: true };
    const cache = new JwksCache({ fetcher, now: clock().now });
    const e = await keyError(cache.getKey(ISSUER, { alg: "RS256", kid: "k1" }));
    expect((e.cause as FetchError).code).toBe("ERR_JWKS_INVALID");
  });
});

describe("fetchDiscovery", () => {
  async function fetchErr(doc: unknown): Promise<FetchError> {
    const e = await fetchDiscovery(ISSUER, async () => doc).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(FetchError);
    return e as FetchError;
  }

  it("issuer mismatch names expected and actual", async () => {
    const e = await fetchErr({ issuer: `${ISSUER}/`, jwks_uri: JWKS_URI });
    expect(e.code).toBe("ERR_DISCOVERY_ISSUER_MISMATCH");
    expect(e.expected).toBe(ISSUER);
    expect(e.actual).toBe(`${ISSUER}/`);
    expect(e.url).toBe(DISCOVERY);
  });

  it("an http jwks_uri is invalid", async () => {
    const e = await fetchErr({ issuer: ISSUER, jwks_uri: "http://api.bitbucket.org/keys.json" });
    expect(e.code).toBe("ERR_DISCOVERY_INVALID");
    expect((await fetchErr({ issuer: ISSUER })).code).toBe("ERR_DISCOVERY_INVALID");
    expect((await fetchErr([1])).code).toBe("ERR_DISCOVERY_INVALID");
  });

  it("passes the timeout to the fetcher", async () => {
    let seen = 0;
    await fetchDiscovery(
      ISSUER,
      async (_u, o) => {
        seen = o.timeoutMs;
        return { issuer: ISSUER, jwks_uri: JWKS_URI };
      },
      { timeoutMs: 1234 },
    );
    expect(seen).toBe(1234);
  });
});
