import { compactVerify, exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { signatureValid } from "../../src/oidc/signature.js";
import type { AllowedAlgorithm } from "../../src/oidc/verify.js";

// The hot-path signature check must agree with jose on every algorithm STS accepts.
const ALGS: AllowedAlgorithm[] = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"];

async function joseSays(token: string, key: CryptoKey): Promise<boolean> {
  try {
    await compactVerify(token, key);
    return true;
  } catch {
    return false;
  }
}

describe("signatureValid agrees with jose", () => {
  for (const alg of ALGS) {
    it(`${alg}: valid, tampered payload, other key`, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const other = await generateKeyPair(alg, { extractable: true });
      const token = await new SignJWT({ sub: "{r}:{s}" })
        .setProtectedHeader({ alg })
        .sign(privateKey);
      const [h, p, s] = token.split(".") as [string, string, string];
      const tamperedPayload = Buffer.from(JSON.stringify({ sub: "{x}:{s}" })).toString("base64url");
      const publicImported = (await importJWK(await exportJWK(publicKey), alg)) as CryptoKey;
      const cases: [string, CryptoKey][] = [
        [token, publicImported],
        [`${h}.${tamperedPayload}.${s}`, publicImported],
        [token, other.publicKey as CryptoKey],
      ];
      for (const [t, key] of cases) {
        const i = t.lastIndexOf(".");
        expect(signatureValid(alg, key, t.slice(0, i), t.slice(i + 1))).toBe(
          await joseSays(t, key),
        );
      }
      expect(signatureValid(alg, publicImported, `${h}.${p}`, s)).toBe(true);
    });
  }

  it("an RSA key never verifies an ES256 header", async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const token = await new SignJWT({}).setProtectedHeader({ alg: "RS256" }).sign(rsa.privateKey);
    const i = token.lastIndexOf(".");
    expect(
      signatureValid("ES256", rsa.publicKey as CryptoKey, token.slice(0, i), token.slice(i + 1)),
    ).toBe(false);
  });
});
