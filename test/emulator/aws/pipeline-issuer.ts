/**
 * A stand-in Bitbucket issuer (test PKI, jose keys) for endpoint-only tests, and the first hop a
 * real caller takes: a pipeline's web-identity session. The account root cannot assume roles,
 * so a role session obtained this way is how tests chain into further roles with AssumeRole.
 */
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand } from "@aws-sdk/client-sts";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import type { IssuerAccess } from "../../../src/emulator/aws/index.js";
import { startHttpsServer } from "../../oidc/helpers/https-server.js";
import { createTestPki } from "../../oidc/helpers/pki.js";
import { type Creds, iam, sts } from "./helpers.js";

const HOST = "api.bitbucket.org";
export const ISSUER = `https://${HOST}/2.0/workspaces/acme/pipelines-config/identity/oidc`;
export const AUDIENCE = "ari:cloud:bitbucket::workspace/0b7e3a0c-5f1e-4b8e-9d3a-2f6c1b4a7e91";
export const REPO = "{5d2f3a1e-7c4b-4e8a-9f1d-3b6a2c8e4f70}";

export interface PipelineIssuer {
  /** Pass to `startEndpoint` so the emulator's STS reaches this issuer. */
  issuerAccess: IssuerAccess;
  /** A step token signed by the issuer, issued at `nowMs`. */
  mint(nowMs: number, claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startPipelineIssuer(): Promise<PipelineIssuer> {
  const pki = await createTestPki();
  const keys = await generateKeyPair("RS256");
  const jwk: JWK = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const path = new URL(ISSUER).pathname;
  const server = await startHttpsServer(pki, {
    [`${path}/.well-known/openid-configuration`]: {
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/keys.json`,
    },
    [`${path}/keys.json`]: { keys: [jwk] },
  });
  return {
    issuerAccess: { ca: pki.caPem, hostMap: { [HOST]: server.address } },
    mint: (nowMs, claims = {}) => {
      const iat = Math.floor(nowMs / 1000);
      return new SignJWT({ aud: [AUDIENCE], sub: `${REPO}:{step-1}`, ...claims })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(ISSUER)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .sign(keys.privateKey);
    },
    close: () => server.close(),
  };
}

/**
 * Creates the account's OIDC provider and a role that the pipeline's web identity may assume
 * (Action also listing `extraActions`, e.g. sts:TagSession).
 */
export async function createPipelineRole(
  endpoint: string,
  admin: Creds,
  account: string,
  roleName: string,
  opts: { maxSessionDuration?: number; createProvider?: boolean } = {},
): Promise<string> {
  const client = iam(endpoint, admin);
  if (opts.createProvider !== false) {
    await client.send(
      new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [AUDIENCE] }),
    );
  }
  const out = await client.send(
    new CreateRoleCommand({
      RoleName: roleName,
      ...(opts.maxSessionDuration ? { MaxSessionDuration: opts.maxSessionDuration } : {}),
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${ISSUER.slice(8)}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringLike: { [`${ISSUER.slice(8)}:sub`]: `${REPO}:*` } },
          },
        ],
      }),
    }),
  );
  return out.Role!.Arn!;
}

/** A pipeline step's session of `roleArn`: AssumeRoleWithWebIdentity with a fresh token. */
export async function pipelineSession(
  endpoint: string,
  issuer: PipelineIssuer,
  roleArn: string,
  sessionName: string,
  opts: { nowMs?: number; durationSeconds?: number; clockOffsetMs?: number } = {},
): Promise<Creds> {
  const client = sts(endpoint);
  if (opts.clockOffsetMs !== undefined) client.config.systemClockOffset = opts.clockOffsetMs;
  const out = await client.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: sessionName,
      WebIdentityToken: await issuer.mint(opts.nowMs ?? Date.now()),
      ...(opts.durationSeconds ? { DurationSeconds: opts.durationSeconds } : {}),
    }),
  );
  const c = out.Credentials!;
  return {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  };
}
