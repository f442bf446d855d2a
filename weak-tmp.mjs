import { generateKeyPair, exportJWK, SignJWT } from "jose";
import { writeFileSync } from "node:fs";
const iss = "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
for (const bits of [1024, 2048]) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { modulusLength: bits, extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "k" + bits, alg: "RS256", use: "sig" };
  writeFileSync(`/tmp/rv/jwks${bits}.json`, JSON.stringify({ keys: [jwk] }));
  const now = Math.floor(Date.now() / 1000);
  const t = await new SignJWT({ sub: "{11111111-2222-4333-8444-555555555555}:{65e22c2d-e811-49f7-a6c7-daa963986c1d}", aud: ["ari:cloud:bitbucket::workspace/x"] })
    .setProtectedHeader({ alg: "RS256", kid: "k" + bits, typ: "JWT" }).setIssuer(iss).setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey);
  writeFileSync(`/tmp/rv/tok${bits}`, t);
}
