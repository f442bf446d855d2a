// decide() with a warm key cache against the floor it cannot beat: one raw RS256 verify.
import { createSign, createVerify, generateKeyPairSync } from "node:crypto";
import { decideWebIdentity, StaticJwks, staticWorld } from "../dist/index.mjs";
import { emit, rate, rateAsync, round } from "./lib.mjs";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };
const iss = "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const host = iss.slice(8);
const aud = "ari:cloud:bitbucket::workspace/6f1c1e8e-3b7a-4f52-9d0e-1a2b3c4d5e6f";
const now = 1767225600;
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const input = `${b64({ alg: "RS256", kid: "k1", typ: "JWT" })}.${b64({
  iss,
  aud: [aud],
  sub: "{11111111-2222-4333-8444-555555555555}:{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}",
  iat: now - 10,
  exp: now + 3600,
})}`;
const signature = createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url");
const token = `${input}.${signature}`;

const world = staticWorld({
  providers: [{ account: "111111111111", url: iss, clientIds: [aud] }],
  roles: [
    {
      arn: "arn:aws:iam::111111111111:role/deploy",
      trustPolicy: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::111111111111:oidc-provider/${host}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { [`${host}:aud`]: aud },
              StringLike: { [`${host}:sub`]: "{11111111-2222-4333-8444-555555555555}:*" },
            },
          },
        ],
      },
    },
  ],
  keys: new StaticJwks({ keys: [jwk] }),
});
const req = {
  roleArn: "arn:aws:iam::111111111111:role/deploy",
  roleSessionName: "bench",
  webIdentityToken: token,
  now,
};
const first = await decideWebIdentity(req, world);
if (!first.ok) throw new Error(`benchmark setup: decision denied: ${first.reason}`);

const sig = Buffer.from(signature, "base64url");
// The least any verifier does with a token before it can read iss or exp: split it, decode and
// parse the payload, decode the signature, verify. Reported beside the target, not as it.
const parseAndVerify = () => {
  const d1 = token.indexOf(".");
  const d2 = token.indexOf(".", d1 + 1);
  const claims = JSON.parse(Buffer.from(token.slice(d1 + 1, d2), "base64url").toString());
  const s = Buffer.from(token.slice(d2 + 1), "base64url");
  return createVerify("RSA-SHA256").update(token.slice(0, d2)).verify(publicKey, s) && claims;
};
if (!parseAndVerify()) throw new Error("benchmark setup: the minimal verifier refused the token");
// Alternating short windows, ratio per pair, then the median: drift in machine load (these
// machines are shared) hits both sides of a pair alike instead of one whole phase.
const ROUNDS = 7;
const raws = [];
const parsed = [];
const decideds = [];
for (let r = 0; r < ROUNDS; r++) {
  raws.push(
    rate(() => createVerify("RSA-SHA256").update(input).verify(publicKey, sig), {
      batch: 200,
      minMs: 300,
    }),
  );
  parsed.push(rate(parseAndVerify, { batch: 200, minMs: 300 }));
  decideds.push(await rateAsync(() => decideWebIdentity(req, world), { batch: 200, minMs: 300 }));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const raw = median(raws);
const decided = median(decideds);
const ratio = median(raws.map((x, i) => decideds[i] / x));
const ratioToParseAndVerify = median(parsed.map((x, i) => decideds[i] / x));
emit({
  name: "decide-vs-raw-rs256",
  decisionsPerSecond: Math.round(decided),
  rawRs256VerifiesPerSecond: Math.round(raw),
  parseAndVerifyPerSecond: Math.round(median(parsed)),
  ratio: round(ratio),
  ratioToParseAndVerify: round(ratioToParseAndVerify),
  target: ">= 0.85 of raw crypto.verify",
  meetsTarget: ratio >= 0.85,
});
