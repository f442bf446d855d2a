/**
 * A local stand-in for api.bitbucket.org and Atlassian's ip-ranges feed: an HTTPS server on
 * 127.0.0.1 (port 0) with a root → intermediate → leaf chain, serving
 * - workspace `acme`: discovery document declaring the REAL issuer (https://api.bitbucket.org/…),
 *   keys.json and the workspace endpoint;
 * - workspace `private`: the same, but the workspace endpoint answers 403;
 * - workspace `liar`: a discovery document declaring another workspace's issuer;
 * - workspace `selfie`: a discovery document declaring the server's own address as issuer;
 * - `/ip-ranges.json`: a feed with documentation address ranges only.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { startHttpsServer, type TestHttpsServer } from "../oidc/helpers/https-server.js";
import { createTestPki, type TestPki } from "../oidc/helpers/pki.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI = join(ROOT, "dist/cli.cjs");

export const WORKSPACE_UUID = "{4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31}";
export const DEFAULT_AUDIENCE =
  "ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31";
export const issuerOf = (slug: string, origin = "https://api.bitbucket.org") =>
  `${origin}/2.0/workspaces/${slug}/pipelines-config/identity/oidc`;
export const ISSUER = issuerOf("acme");

/** Documentation ranges only (RFC 5737, RFC 3849); the last two must be filtered out. */
export const FEED = {
  syncToken: "1767225600",
  creationDate: "2026-01-01T00:00:00.000000",
  items: [
    {
      network: "192.0.2.0",
      mask_len: 24,
      cidr: "192.0.2.0/24",
      mask: "255.255.255.0",
      region: ["global"],
      product: ["bitbucket"],
      direction: ["egress"],
      perimeter: "ip",
    },
    {
      network: "198.51.100.0",
      mask_len: 24,
      cidr: "198.51.100.0/24",
      mask: "255.255.255.0",
      region: ["us-east-1"],
      product: ["bitbucket", "jira"],
      direction: ["egress", "ingress"],
      perimeter: "ip",
    },
    {
      network: "2001:db8::",
      mask_len: 32,
      cidr: "2001:db8::/32",
      region: ["global"],
      product: ["bitbucket"],
      direction: ["egress"],
      perimeter: "ip",
    },
    {
      network: "203.0.113.0",
      mask_len: 24,
      cidr: "203.0.113.0/24",
      mask: "255.255.255.0",
      region: ["global"],
      product: ["bitbucket"],
      direction: ["ingress"],
      perimeter: "ip",
    },
    {
      network: "203.0.113.128",
      mask_len: 25,
      cidr: "203.0.113.128/25",
      mask: "255.255.255.128",
      region: ["global"],
      product: ["jira"],
      direction: ["egress"],
      perimeter: "ip",
    },
  ],
};
export const EGRESS = ["192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32"];

export interface World {
  pki: TestPki;
  srv: TestHttpsServer;
  dir: string;
  /** The trusted root, as a file for --ca-file. */
  caFile: string;
  apiBase: string;
  feedUrl: string;
  privateKey: CryptoKey;
  jwk: JWK;
  close(): Promise<void>;
}

const DAY = 86_400_000;

function status(code: number): (req: unknown, res: ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify({ type: "error", error: { message: "Unauthorized" } }));
  };
}

/** Routes of one workspace whose discovery document declares `declared` as issuer. */
function workspaceRoutes(slug: string, declared: string, jwks: unknown): Record<string, unknown> {
  const base = `/2.0/workspaces/${slug}/pipelines-config/identity/oidc`;
  return {
    [`${base}/.well-known/openid-configuration`]: {
      issuer: declared,
      jwks_uri: `${declared}/keys.json`,
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
    },
    [`${base}/keys.json`]: jwks,
  };
}

export async function startWorld(opts: { validDays?: number; name?: string } = {}): Promise<World> {
  const pki = await createTestPki({
    name: opts.name ?? "bb-oidc discover test",
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + (opts.validDays ?? 365) * DAY),
  });
  const { privateKey, publicKey } = await generateKeyPair("RS256", { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid: "bb-test-key-1", alg: "RS256", use: "sig" };
  const jwks = { keys: [jwk] };
  const routes: Record<string, unknown> = {
    ...workspaceRoutes("acme", ISSUER, jwks),
    "/2.0/workspaces/acme": { type: "workspace", uuid: WORKSPACE_UUID, slug: "acme", name: "Acme" },
    ...workspaceRoutes("private", issuerOf("private"), jwks),
    "/2.0/workspaces/private": status(403),
    ...workspaceRoutes("liar", ISSUER, jwks),
    "/ip-ranges.json": FEED,
    "/not-a-feed.json": { hello: "world" },
  };
  const srv = await startHttpsServer(pki, routes);
  const apiBase = `https://127.0.0.1:${srv.port}`;
  // Declares its own address as the issuer; registered after the port is known.
  Object.assign(routes, workspaceRoutes("selfie", issuerOf("selfie", apiBase), jwks), {
    "/2.0/workspaces/selfie": {
      type: "workspace",
      uuid: WORKSPACE_UUID,
      slug: "selfie",
      name: "Selfie",
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "bb-oidc-discover-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, pki.caPem);
  return {
    pki,
    srv,
    dir,
    caFile,
    apiBase,
    feedUrl: `${apiBase}/ip-ranges.json`,
    privateKey: privateKey as CryptoKey,
    jwk,
    close: async () => {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Pipelines-shaped token signed with the world's key. */
export function mintToken(
  world: World,
  claims: Record<string, unknown> = {},
  key: CryptoKey = world.privateKey,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    workspaceUuid: WORKSPACE_UUID,
    repositoryUuid: "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}",
    sub: "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}:{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}",
    aud: [DEFAULT_AUDIENCE],
    ...claims,
  })
    .setProtectedHeader({ alg: "RS256", kid: "bb-test-key-1" })
    .setIssuer(typeof claims.iss === "string" ? claims.iss : ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
}

/** `openssl x509 -fingerprint -sha1 -noout` of a PEM, as 40 lowercase hex digits. */
export function opensslSha1(pem: string): string {
  const out = execFileSync("/usr/bin/openssl", ["x509", "-fingerprint", "-sha1", "-noout"], {
    input: pem,
    encoding: "utf8",
  });
  return out.trim().split("=")[1]!.replace(/:/g, "").toLowerCase();
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 8 * 1024 * 1024 },
      (_err, stdout, stderr) => resolve({ exitCode: child.exitCode ?? -1, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** The flags that point discover at a world. */
export function worldFlags(world: World): string[] {
  return ["--api-base", world.apiBase, "--ca-file", world.caFile, "--ip-ranges-url", world.feedUrl];
}
