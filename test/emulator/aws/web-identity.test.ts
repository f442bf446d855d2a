import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startHttpsServer, type TestHttpsServer } from "../../oidc/helpers/https-server.js";
import { createTestPki, type TestPki } from "../../oidc/helpers/pki.js";
import { failure, iam, startEndpoint, sts } from "./helpers.js";

/**
 * AssumeRoleWithWebIdentity through the AWS endpoint alone: a stand-in issuer (test PKI, jose
 * keys) plays Bitbucket, so this checks the STS door without the emulator's Bitbucket side.
 */
const A = "111111111111";
const HOST = "api.bitbucket.org";
const issuerFor = (ws: string) =>
  `https://${HOST}/2.0/workspaces/${ws}/pipelines-config/identity/oidc`;
const ISSUER = issuerFor("acme");
const AUDIENCE = "ari:cloud:bitbucket::workspace/0b7e3a0c-5f1e-4b8e-9d3a-2f6c1b4a7e91";
const REPO = "{5d2f3a1e-7c4b-4e8a-9f1d-3b6a2c8e4f70}";
const OTHER_REPO = "{9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d}";
const PROVIDER_ARN = `arn:aws:iam::${A}:oidc-provider/${ISSUER.slice(8)}`;
const ROLE_ARN = `arn:aws:iam::${A}:role/bitbucket-deploy`;

let pki: TestPki;
let issuerServer: TestHttpsServer;
let ep: Awaited<ReturnType<typeof startEndpoint>>;
let stateDir: string;
let signingKey: CryptoKey;
const nowS = () => Math.floor(Date.now() / 1000);

async function mint(claims: Record<string, unknown> = {}, iss = ISSUER): Promise<string> {
  const iat = nowS();
  return new SignJWT({
    aud: [AUDIENCE],
    sub: `${REPO}:{step-1}`,
    ...claims,
  })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(iss)
    .setIssuedAt(iat)
    .setExpirationTime((claims.exp as number | undefined) ?? iat + 3600)
    .sign(signingKey);
}

function exchange(token: string, extra: { DurationSeconds?: number; RoleArn?: string } = {}) {
  return sts(ep.url).send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: ROLE_ARN,
      RoleSessionName: "pipeline-42",
      WebIdentityToken: token,
      ...extra,
    }),
  );
}

beforeAll(async () => {
  pki = await createTestPki();
  const keys = await generateKeyPair("RS256");
  signingKey = keys.privateKey as CryptoKey;
  const jwk: JWK = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const path = new URL(ISSUER).pathname;
  issuerServer = await startHttpsServer(pki, {
    [`${path}/.well-known/openid-configuration`]: {
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/keys.json`,
    },
    [`${path}/keys.json`]: { keys: [jwk] },
  });
  stateDir = await mkdtemp(join(tmpdir(), "bb-oidc-aws-wi-"));
  ep = await startEndpoint({
    stateDir,
    issuerAccess: { ca: pki.caPem, hostMap: { [HOST]: issuerServer.address } },
  });
  const admin = iam(ep.url, ep.accounts[0]!);
  await admin.send(
    new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [AUDIENCE] }),
  );
  await admin.send(
    new CreateRoleCommand({
      RoleName: "bitbucket-deploy",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: PROVIDER_ARN },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { [`${ISSUER.slice(8)}:aud`]: AUDIENCE },
              StringLike: { [`${ISSUER.slice(8)}:sub`]: `${REPO}:*` },
            },
          },
        ],
      }),
    }),
  );
});

afterAll(async () => {
  await ep?.close();
  await issuerServer?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe("AssumeRoleWithWebIdentity via the SDK", () => {
  test("IAM took the issuer's thumbprint itself when none was given", async () => {
    const p = await iam(ep.url, ep.accounts[0]!).send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }),
    );
    expect(p.ThumbprintList).toEqual([pki.intermediate.sha1]);
  });

  test("allowed: credentials, subject, provider, audience", async () => {
    const out = await exchange(await mint());
    expect(out.SubjectFromWebIdentityToken).toBe(`${REPO}:{step-1}`);
    expect(out.Audience).toBe(AUDIENCE);
    expect(out.Provider).toBe(PROVIDER_ARN);
    expect(out.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${A}:assumed-role/bitbucket-deploy/pipeline-42`,
    );
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:pipeline-42$/);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const ttl = out.Credentials!.Expiration!.getTime() - Date.now();
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);

    const c = out.Credentials!;
    const me = await sts(ep.url, {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    }).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({
      Account: A,
      Arn: `arn:aws:sts::${A}:assumed-role/bitbucket-deploy/pipeline-42`,
      UserId: out.AssumedRoleUser!.AssumedRoleId,
    });
  });

  test("another repository is AccessDenied 403", async () => {
    const f = await failure(exchange(await mint({ sub: `${OTHER_REPO}:{step-1}` })));
    expect(f).toMatchObject({
      name: "AccessDenied",
      status: 403,
      message: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    });
  });

  test("a wrong audience", async () => {
    const f = await failure(exchange(await mint({ aud: ["sts.amazonaws.com"] })));
    expect(f).toMatchObject({
      name: "InvalidIdentityTokenException",
      status: 400,
      message: "Incorrect token audience",
    });
  });

  test("no provider for the issuer", async () => {
    const f = await failure(exchange(await mint({}, issuerFor("other"))));
    expect(f).toMatchObject({ name: "InvalidIdentityTokenException", status: 400 });
    expect(f.message).toBe(
      `No OpenIDConnect provider found in your account for ${issuerFor("other")}`,
    );
  });

  test("an expired token", async () => {
    const f = await failure(exchange(await mint({ exp: nowS() - 600 })));
    expect(f).toMatchObject({ name: "ExpiredTokenException", status: 400 });
    expect(f.message).toMatch(
      /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/,
    );
  });

  test("a duration above the role's maximum", async () => {
    const f = await failure(exchange(await mint(), { DurationSeconds: 7200 }));
    expect(f).toMatchObject({
      name: "ValidationError",
      status: 400,
      message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    });
  });

  test("a garbage token", async () => {
    const f = await failure(exchange("not-a-jwt-at-all"));
    expect(f).toMatchObject({ name: "InvalidIdentityTokenException", status: 400 });
  });

  test("a provider whose thumbprint does not match the served chain", async () => {
    const admin = iam(ep.url, ep.accounts[0]!);
    const set = (t: string) =>
      admin.send(
        new UpdateOpenIDConnectProviderThumbprintCommand({
          OpenIDConnectProviderArn: PROVIDER_ARN,
          ThumbprintList: [t],
        }),
      );
    await set("0".repeat(40));
    try {
      const f = await failure(exchange(await mint()));
      expect(f).toMatchObject({
        name: "InvalidIdentityTokenException",
        message: "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
      });
    } finally {
      await set(pki.intermediate.sha1);
    }
  });

  test("an injected IDPCommunicationError reaches the caller", async () => {
    await fetch(`${ep.url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({
        action: "AssumeRoleWithWebIdentity",
        status: 400,
        code: "IDPCommunicationError",
        message: "The identity provider could not be reached",
        count: 1,
      }),
    });
    const f = await failure(exchange(await mint()));
    expect(f).toMatchObject({ name: "IDPCommunicationErrorException", status: 400 });
    // The next call goes through.
    expect((await exchange(await mint())).Audience).toBe(AUDIENCE);
  });

  test("every decision is in the audit log, without tokens or secrets", async () => {
    const token = await mint({ sub: `${OTHER_REPO}:{step-9}` });
    await failure(exchange(token));
    await ep.close();
    const lines = (await readFile(join(stateDir, "audit.log"), "utf8")).trim().split("\n");
    // Summary lines (unauthenticated refusals, counted) aside: the decisions.
    const entries = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.summary === undefined);
    const last = entries.at(-1)!;
    expect(last).toMatchObject({
      action: "AssumeRoleWithWebIdentity",
      role: ROLE_ARN,
      subject: `${OTHER_REPO}:{step-9}`,
      decision: "deny",
      code: "AccessDenied",
      ip: "127.0.0.1",
    });
    expect(typeof last.reason).toBe("string");
    expect(entries.some((e) => e.decision === "allow")).toBe(true);
    const text = lines.join("\n");
    expect(text).not.toContain(token.split(".")[2]);
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
