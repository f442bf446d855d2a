/**
 * `bb-oidc verify` pins the issuer: keys are fetched only for an issuer the user names (a
 * workspace, an issuer URL, or the emulator's --api-base), never for a host the token alone names.
 * Each outcome has its own exit code: 0 valid, 1 invalid, 4 unverified, 5 could not check.
 */

import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../../src/emulator/bitbucket/mint.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { ensureBuilt, runCli } from "../sts/cli-kit.js";
import { createTestPki } from "./helpers/pki.js";

let emu: RunningEmulator;
let dir: string;
let token: string;
const REPO = "{9b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0}";
/** Requests an attacker's issuer received. */
let attackerHits = 0;
let attacker: ReturnType<typeof createServer>;
let attackerIss: string;
let attackerToken: string;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-verify-"));
  emu = await startEmulator({ awsPort: 0, bitbucketPort: 0, stateDir: join(dir, "state") });
  token = await mintToken(emu.store, { workspace: "acme", repositoryUuid: REPO });
  // An issuer of the attacker's own, which would happily serve keys for its tokens.
  const pki = await createTestPki();
  attacker = createServer({ key: pki.leaf.keyPem, cert: pki.chainPem }, (_req, res) => {
    attackerHits++;
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", r));
  const port = (attacker.address() as { port: number }).port;
  attackerIss = `https://127.0.0.1:${port}/2.0/workspaces/acme/pipelines-config/identity/oidc`;
  const { privateKey } = await generateKeyPair("RS256");
  attackerToken = await new SignJWT({ aud: ["x"], sub: `${REPO}:{s}` })
    .setProtectedHeader({ alg: "RS256", kid: "k" })
    .setIssuer(attackerIss)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(privateKey);
}, 60_000);

afterAll(async () => {
  await emu?.close();
  attacker?.close();
  rmSync(dir, { recursive: true, force: true });
});

const emulatorFlags = () => ["--api-base", emu.bitbucketEndpoint, "--ca-file", emu.caFile];

describe("bb-oidc verify pins the issuer", () => {
  it("an emulator token checks out against the workspace named, through --api-base and --ca-file", async () => {
    for (const pin of [["--workspace", "acme"], ["--issuer", emu.workspaces[0]!.issuer], []]) {
      const r = await runCli(["verify", "--token", token, ...pin, ...emulatorFlags(), "--json"]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, status: "valid" });
    }
  });

  it("without an issuer named: UNVERIFIED (exit 4), and the token's own host is never asked", async () => {
    const r = await runCli(["verify", "--token", attackerToken]);
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stdout).toMatch(/^UNVERIFIED {2}ERR_ISSUER_NOT_PINNED/);
    expect(r.stdout).toContain("--workspace");
    expect(attackerHits).toBe(0);
  });

  it("a token of another host or workspace than the one named is INVALID (exit 1), unfetched", async () => {
    const other = await runCli([
      "verify",
      "--token",
      attackerToken,
      "--workspace",
      "acme",
      "--json",
    ]);
    expect(other.exitCode).toBe(1);
    expect(JSON.parse(other.stdout).error.code).toBe("ERR_ISSUER_MISMATCH");
    const globex = await runCli([
      "verify",
      "--token",
      token,
      "--workspace",
      "globex",
      ...emulatorFlags(),
    ]);
    expect(globex.exitCode).toBe(1);
    expect(globex.stdout).toMatch(/^INVALID {2}ERR_ISSUER_MISMATCH/);
    const underApiBase = await runCli(["verify", "--token", attackerToken, ...emulatorFlags()]);
    expect(underApiBase.exitCode).toBe(1);
    expect(attackerHits).toBe(0);
  });

  it("keys that cannot be fetched are COULD NOT CHECK (exit 5), not INVALID", async () => {
    const r = await runCli([
      "verify",
      "--token",
      token,
      "--workspace",
      "acme",
      "--api-base",
      "https://127.0.0.1:9",
      "--ca-file",
      emu.caFile,
    ]);
    expect(r.exitCode, r.stdout).toBe(5);
    expect(r.stdout).toMatch(/^COULD NOT CHECK {2}ERR_KEY_NOT_FOUND/);
  });

  it("a signature by an RSA key under 2048 bits is INVALID, as STS refuses it", async () => {
    // jose will not make a key this small; node:crypto will (as a careless issuer would).
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const jwks = join(dir, "small.json");
    writeFileSync(
      jwks,
      JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "small" }] }),
    );
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const input = `${b64({ alg: "RS256", kid: "small" })}.${b64({
      iss: emu.workspaces[0]!.issuer,
      aud: ["x"],
      exp: Math.floor(Date.now() / 1000) + 3600,
    })}`;
    const small = `${input}.${sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
    const r = await runCli([
      "verify",
      "--token",
      small,
      "--jwks",
      jwks,
      "--workspace",
      "acme",
      "--json",
    ]);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "ERR_KEY_TOO_SMALL" });
    expect(JSON.parse(r.stdout).error.message).toContain("1024-bit RSA key");
  });

  it("explain checks an emulator token's signature the same way (--api-base, --ca-file)", async () => {
    const ws = emu.workspaces[0]!;
    const host = ws.issuer.slice("https://".length);
    const policy = join(dir, "trust.json");
    writeFileSync(
      policy,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::111111111111:oidc-provider/${host}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringLike: { [`${host}:sub`]: `${REPO}:*` } },
          },
        ],
      }),
    );
    const aud = `ari:cloud:bitbucket::workspace/${ws.uuid.replace(/[{}]/g, "")}`;
    const args = ["explain", "--token", token, "--trust-policy", policy, "--client-id", aud];
    const r = await runCli([
      ...args,
      "--role-arn",
      "arn:aws:iam::111111111111:role/deploy",
      ...emulatorFlags(),
      "--json",
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).decision).toBe("allow");
  });
});
