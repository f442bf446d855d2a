import { generateKeyPairSync, sign as rsaSign } from "node:crypto";
import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { TokenError } from "../../src/errors.js";
import {
  decodeToken,
  type JsonFetcher,
  JwksCache,
  StaticJwks,
  verifySignatureOnly,
  verifyToken,
} from "../../src/oidc/index.js";

const ISSUER = "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const AUD = "ari:cloud:bitbucket::workspace/1de489be-7d0a-4b7e-9c43-0f6b1b2c3d4e";
const NOW = 1_700_000_000;

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let rsa: KeyPair;
let ec: KeyPair;
let rsaJwk: JWK;
let ecJwk: JWK;

beforeAll(async () => {
  rsa = await generateKeyPair("RS256", { extractable: true });
  ec = await generateKeyPair("ES256", { extractable: true });
  rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", use: "sig", alg: "RS256" };
  ecJwk = { ...(await exportJWK(ec.publicKey)), kid: "ec-1", use: "sig", alg: "ES256" };
});

function claims(extra: Record<string, unknown> = {}) {
  return {
    iss: ISSUER,
    aud: [AUD],
    sub: "{11111111-1111-1111-1111-111111111111}:{22222222-2222-2222-2222-222222222222}",
    iat: NOW - 10,
    exp: NOW + 3590,
    ...extra,
  };
}

async function sign(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "RS256", kid: "rsa-1" },
  key: CryptoKey = rsa.privateKey,
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key);
}

function staticKeys() {
  return new StaticJwks({ keys: [rsaJwk, ecJwk] });
}

async function tokenError(p: Promise<unknown>): Promise<TokenError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TokenError);
  return e as TokenError;
}

const opts = () => ({ keys: staticKeys(), issuer: ISSUER, audience: AUD, now: NOW });

describe("verifyToken", () => {
  it("accepts a valid RS256 token and reports the matched audience", async () => {
    const token = await sign(claims({ aud: ["other", AUD] }));
    const v = await verifyToken(token, { ...opts(), audience: ["x", AUD] });
    expect(v.header.alg).toBe("RS256");
    expect(v.claims.sub).toMatch(/^\{1111/);
    expect(v.matchedAudience).toBe(AUD);
  });

  it("accepts a valid ES256 token, and a string aud", async () => {
    const token = await sign(claims({ aud: AUD }), { alg: "ES256", kid: "ec-1" }, ec.privateKey);
    expect((await verifyToken(token, opts())).matchedAudience).toBe(AUD);
  });

  it("uses the only suitable key when the token has no kid", async () => {
    const token = await sign(claims(), { alg: "ES256" }, ec.privateKey);
    await expect(verifyToken(token, opts())).resolves.toBeTruthy();
  });

  it("accepts a token expired within the grace, refuses beyond it with the numbers", async () => {
    const token = await sign(claims({ exp: NOW - 300 }));
    await expect(verifyToken(token, opts())).resolves.toBeTruthy();
    const late = await sign(claims({ exp: NOW - 301 }));
    const e = await tokenError(verifyToken(late, opts()));
    expect(e.code).toBe("ERR_TOKEN_EXPIRED");
    expect(e.expected).toEqual({ exp: NOW - 301, graceSeconds: 300 });
    expect(e.actual).toEqual({ now: NOW, secondsPastExp: 301 });
    const strict = await tokenError(verifyToken(token, { ...opts(), expGraceSeconds: 0 }));
    expect(strict.code).toBe("ERR_TOKEN_EXPIRED");
  });

  it("missing exp is ERR_CLAIM_MISSING", async () => {
    const { exp: _exp, ...rest } = claims();
    const e = await tokenError(verifyToken(await sign(rest), opts()));
    expect(e.code).toBe("ERR_CLAIM_MISSING");
    expect(e.expected).toEqual({ claim: "exp" });
  });

  it("nbf/iat beyond the grace in the future is ERR_TOKEN_NOT_YET_VALID", async () => {
    const e = await tokenError(verifyToken(await sign(claims({ nbf: NOW + 301 })), opts()));
    expect(e.code).toBe("ERR_TOKEN_NOT_YET_VALID");
    const i = await tokenError(verifyToken(await sign(claims({ iat: NOW + 1000 })), opts()));
    expect(i.code).toBe("ERR_TOKEN_NOT_YET_VALID");
    await expect(verifyToken(await sign(claims({ nbf: NOW + 300 })), opts())).resolves.toBeTruthy();
  });

  it("wrong issuer is ERR_ISSUER_MISMATCH (exact comparison)", async () => {
    const e = await tokenError(verifyToken(await sign(claims({ iss: `${ISSUER}/` })), opts()));
    expect(e.code).toBe("ERR_ISSUER_MISMATCH");
    expect(e.expected).toBe(ISSUER);
    expect(e.actual).toBe(`${ISSUER}/`);
  });

  it("audience: mismatch and missing", async () => {
    const e = await tokenError(
      verifyToken(await sign(claims({ aud: ["sts.amazonaws.com"] })), opts()),
    );
    expect(e.code).toBe("ERR_AUDIENCE_MISMATCH");
    const { aud: _aud, ...rest } = claims();
    const m = await tokenError(verifyToken(await sign(rest), opts()));
    expect(m.code).toBe("ERR_CLAIM_MISSING");
    expect(m.expected).toEqual({ claim: "aud" });
    // no audience option: not checked
    const { audience: _a, ...noAud } = opts();
    await expect(verifyToken(await sign(rest), noAud)).resolves.toBeTruthy();
  });

  it("an aud holding a non-string is malformed, with or without an audience to match", async () => {
    const { audience: _a, ...noAud } = opts();
    for (const aud of [[AUD, 42], null, { AUD: true }]) {
      const token = await sign(claims({ aud }));
      for (const o of [opts(), noAud]) {
        const e = await tokenError(verifyToken(token, o));
        expect(e.code).toBe("ERR_TOKEN_MALFORMED");
        expect(e.actual).toEqual(aud);
      }
    }
  });

  it("a token with a trailing newline verifies like the token itself", async () => {
    const token = await sign(claims());
    const v = await verifyToken(`${token}\n`, opts());
    expect(v.matchedAudience).toBe(AUD);
  });

  it("checks in order: signature before iss, iss before exp, exp before aud", async () => {
    const bad = await sign(claims({ iss: "https://evil", exp: NOW - 9999, aud: "x" }), {
      alg: "RS256",
      kid: "rsa-1",
    });
    const [h, p] = bad.split(".");
    const other = await sign(claims(), { alg: "RS256", kid: "rsa-1" });
    const forged = `${h}.${p}.${other.split(".")[2]}`;
    expect((await tokenError(verifyToken(forged, opts()))).code).toBe("ERR_SIGNATURE_INVALID");
    expect((await tokenError(verifyToken(bad, opts()))).code).toBe("ERR_ISSUER_MISMATCH");
    const b2 = await sign(claims({ exp: NOW - 9999, aud: "x" }));
    expect((await tokenError(verifyToken(b2, opts()))).code).toBe("ERR_TOKEN_EXPIRED");
  });

  it("refuses alg none", async () => {
    const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
    const token = `${enc({ alg: "none" })}.${enc(claims())}.`;
    const e = await tokenError(verifyToken(token, opts()));
    expect(e.code).toBe("ERR_ALG_NOT_ALLOWED");
    expect(e.actual).toBe("none");
  });

  it("refuses HS256 signed with the RSA public key as the HMAC secret", async () => {
    const spki = Buffer.from(await crypto.subtle.exportKey("spki", rsa.publicKey));
    const pem = `-----BEGIN PUBLIC KEY-----\n${spki.toString("base64")}\n-----END PUBLIC KEY-----\n`;
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
      .sign(new TextEncoder().encode(pem));
    expect((await tokenError(verifyToken(token, opts()))).code).toBe("ERR_ALG_NOT_ALLOWED");
  });

  it("refuses a tampered payload", async () => {
    const token = await sign(claims());
    const [h, , s] = token.split(".");
    const p = base64url.encode(
      JSON.stringify(claims({ sub: "{33333333-3333-3333-3333-333333333333}:{x}" })),
    );
    const e = await tokenError(verifyToken(`${h}.${p}.${s}`, opts()));
    expect(e.code).toBe("ERR_SIGNATURE_INVALID");
  });

  it("refuses an unknown crit before looking for a key", async () => {
    // jose will not sign with an unknown crit, so the header is written by hand.
    const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
    const token = `${enc({ alg: "RS256", kid: "rsa-1", crit: ["exp-x"], "exp-x": 1 })}.${enc(claims())}.AAAA`;
    const e = await tokenError(verifyToken(token, opts()));
    expect(e.code).toBe("ERR_CRIT_UNSUPPORTED");
    expect(e.actual).toEqual(["exp-x"]);
  });

  it("ignores a jku header: never fetched, keys come from the resolver", async () => {
    const fetched: string[] = [];
    const fetcher: JsonFetcher = async (url) => {
      fetched.push(url);
      if (url.endsWith("/.well-known/openid-configuration")) {
        return { issuer: ISSUER, jwks_uri: `${ISSUER}/keys.json` };
      }
      if (url === `${ISSUER}/keys.json`) return { keys: [rsaJwk] };
      throw new Error(`unexpected ${url}`);
    };
    const attacker = await generateKeyPair("RS256");
    const evilJwk = { ...(await exportJWK(attacker.publicKey)), kid: "rsa-1" };
    const forged = await sign(
      claims(),
      {
        alg: "RS256",
        kid: "rsa-1",
        jku: "https://evil.example/jwks.json",
        jwk: evilJwk,
        x5u: "https://evil.example/x",
      },
      attacker.privateKey,
    );
    const keys = new JwksCache({ fetcher, now: () => NOW * 1000 });
    const e = await tokenError(verifyToken(forged, { ...opts(), keys }));
    expect(e.code).toBe("ERR_SIGNATURE_INVALID");
    expect(fetched.some((u) => u.includes("evil"))).toBe(false);
    const genuine = await sign(claims(), {
      alg: "RS256",
      kid: "rsa-1",
      jku: "https://evil.example/jwks.json",
    });
    await expect(verifyToken(genuine, { ...opts(), keys })).resolves.toBeTruthy();
    expect(fetched.some((u) => u.includes("evil"))).toBe(false);
  });

  it("chooses keys by the expected issuer, not the token's iss", async () => {
    const seen: string[] = [];
    const keys = {
      async getKey(issuer: string) {
        seen.push(issuer);
        return rsa.publicKey;
      },
    };
    const token = await sign(claims({ iss: "https://attacker.example" }));
    const e = await tokenError(verifyToken(token, { ...opts(), keys }));
    expect(e.code).toBe("ERR_ISSUER_MISMATCH");
    expect(seen).toEqual([ISSUER]);
  });

  it("unknown kid with a static JWKS is ERR_KEY_NOT_FOUND", async () => {
    const token = await sign(claims(), { alg: "RS256", kid: "nope" });
    const e = await tokenError(verifyToken(token, opts()));
    expect(e.code).toBe("ERR_KEY_NOT_FOUND");
  });

  it("a key whose alg/use does not fit is not used", async () => {
    const keys = new StaticJwks({ keys: [{ ...rsaJwk, use: "enc" }] });
    const token = await sign(claims());
    expect((await tokenError(verifyToken(token, { ...opts(), keys }))).code).toBe(
      "ERR_KEY_NOT_FOUND",
    );
    const es = new StaticJwks({ keys: [{ ...ecJwk, kid: "rsa-1" }] });
    expect((await tokenError(verifyToken(token, { ...opts(), keys: es }))).code).toBe(
      "ERR_KEY_NOT_FOUND",
    );
  });

  it("verifySignatureOnly skips claim checks", async () => {
    const token = await sign(claims({ iss: "https://other", exp: 1 }));
    const v = await verifySignatureOnly(token, { keys: staticKeys(), issuer: ISSUER });
    expect(v.claims.iss).toBe("https://other");
  });
});

describe("decodeToken", () => {
  it("refuses an oversized token", async () => {
    const token = await sign(claims({ pad: "x".repeat(20_000) }));
    const e = (() => {
      try {
        decodeToken(token);
      } catch (err) {
        return err as TokenError;
      }
    })();
    expect(e?.code).toBe("ERR_TOKEN_TOO_LARGE");
    expect((await tokenError(verifyToken(token, opts()))).code).toBe("ERR_TOKEN_TOO_LARGE");
  });

  it.each([
    ["two segments", "a.b"],
    ["four segments", "a.b.c.d"],
    ["bad base64url", "a+b.c.d"],
    ["not JSON", `${base64url.encode("{")}.${base64url.encode("{}")}.`],
    ["array claims", `${base64url.encode('{"alg":"RS256"}')}.${base64url.encode("[1]")}.`],
    ["string claims", `${base64url.encode('{"alg":"RS256"}')}.${base64url.encode('"x"')}.`],
    ["no alg", `${base64url.encode("{}")}.${base64url.encode("{}")}.`],
    ["empty", ""],
  ])("%s is ERR_TOKEN_MALFORMED", (_name, token) => {
    expect(() => decodeToken(token)).toThrow(
      expect.objectContaining({ code: "ERR_TOKEN_MALFORMED" }),
    );
  });

  it("decodes without verifying", async () => {
    const token = await sign(claims());
    const d = decodeToken(token);
    expect(d.header).toEqual({ alg: "RS256", kid: "rsa-1" });
    expect(d.claims.iss).toBe(ISSUER);
  });

  it("an RSA key under 2048 bits is refused before any signature math (ERR_KEY_TOO_SMALL)", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1536 });
    const keys = new StaticJwks({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "k" }] });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const input = `${b64({ alg: "RS256", kid: "k" })}.${b64(claims())}`;
    const token = `${input}.${rsaSign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
    const e = await tokenError(verifyToken(token, { ...opts(), keys }));
    expect(e.code).toBe("ERR_KEY_TOO_SMALL");
    expect(e.expected).toEqual({ minBits: 2048 });
    expect(e.actual).toEqual({ bits: 1536 });
  });
});
