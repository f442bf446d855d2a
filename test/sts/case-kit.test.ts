/** The token builder does what the case README promises for each variant. */
import { decodeProtectedHeader } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildSignedToken,
  buildToken,
  type CaseKeys,
  type DecisionCase,
  doorSkipReason,
  generateCaseKeys,
  loadCases,
  type TokenVariant,
} from "./case-kit.js";

const base = loadCases().find((f) => f.slug === "repo-sub-like-allows-own-repository")!.case;
const withVariant = (
  variant: TokenVariant,
  extra: Partial<DecisionCase["token"]> = {},
): DecisionCase => ({
  ...base,
  token: { ...base.token, variant, ...extra },
});
const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;

let keys: CaseKeys;
beforeAll(async () => {
  keys = await generateCaseKeys();
});

async function tokenOf(c: DecisionCase): Promise<string> {
  const b = await buildToken(c, keys.signing);
  if (b.kind !== "token") throw new Error("expected a token");
  return b.token;
}

describe("case-kit token variants", () => {
  it("signed: RS256 with a published kid, the claims verbatim", async () => {
    const t = await tokenOf(withVariant("signed"));
    expect(decodeProtectedHeader(t)).toMatchObject({ alg: "RS256", kid: "case-rsa-1" });
    expect(payloadOf(t)).toEqual(base.token.claims);
    expect(keys.jwks.keys.map((k) => k.kid)).toContain("case-rsa-1");
  });

  it("es256 uses the published EC key", async () => {
    const t = await tokenOf(withVariant("es256"));
    expect(decodeProtectedHeader(t)).toMatchObject({ alg: "ES256", kid: "case-ec-1" });
  });

  it("alg-none has an empty signature", async () => {
    const t = await tokenOf(withVariant("alg-none"));
    expect(decodeProtectedHeader(t).alg).toBe("none");
    expect(t.endsWith(".")).toBe(true);
  });

  it("hs256-with-public-key is an HMAC token", async () => {
    expect(decodeProtectedHeader(await tokenOf(withVariant("hs256-with-public-key"))).alg).toBe(
      "HS256",
    );
  });

  it("tampered-payload carries the tampered claims under the original signature", async () => {
    const t = await tokenOf(withVariant("tampered-payload", { tamper: { sub: "x" } }));
    expect(payloadOf(t).sub).toBe("x");
  });

  it("unknown-kid names a kid the JWKS lacks; wrong-key names the published kid", async () => {
    const unknown = decodeProtectedHeader(await tokenOf(withVariant("unknown-kid"))).kid;
    expect(keys.jwks.keys.map((k) => k.kid)).not.toContain(unknown);
    expect(decodeProtectedHeader(await tokenOf(withVariant("wrong-key"))).kid).toBe("case-rsa-1");
  });

  it("garbage is token.raw verbatim; oversized is past 20000 characters", async () => {
    expect(await tokenOf(withVariant("garbage", { raw: "zzz" }))).toBe("zzz");
    expect((await tokenOf(withVariant("oversized"))).length).toBeGreaterThan(20000);
  });

  it("unsigned-claims gives the claims, and a signed token to doors that need one", async () => {
    const c = withVariant("unsigned-claims");
    expect(await buildToken(c, keys.signing)).toEqual({
      kind: "claims",
      claims: base.token.claims,
    });
    expect(payloadOf(await buildSignedToken(c, keys.signing))).toEqual(base.token.claims);
  });

  it("doorSkipReason: what an HTTP door without address control must skip", () => {
    const can = { ecKey: false, chooseSourceIp: false, omitSourceIp: false, accounts: false };
    const all = loadCases();
    const skipped = all.filter((f) => doorSkipReason(f.case, can) !== undefined);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.length).toBeLessThan(all.length / 2);
    expect(doorSkipReason(base, can)).toBeUndefined();
  });
});
