import { createHash, X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import {
  type BitbucketServer,
  createWorkspaceViaAdmin,
  mintToken,
  mintViaAdmin,
  rotateKeys,
  rotateViaAdmin,
  startBitbucketServer,
} from "../../../src/emulator/bitbucket/index.js";
import { type CaMaterial, loadOrCreateCa } from "../../../src/emulator/certs/index.js";
import { type FileStore, openStore } from "../../../src/emulator/store/index.js";
import { ENV, httpsJson, REPO } from "./helpers.js";

const ISSUER = "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const OIDC = "/2.0/workspaces/acme/pipelines-config/identity/oidc";

interface Env {
  dir: string;
  store: FileStore;
  ca: CaMaterial;
  server: BitbucketServer;
  clock: { now: number };
}

const running: Env[] = [];
const dirs: string[] = [];

async function start(dir?: string): Promise<Env> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), "bb-oidc-bb-")));
  if (dir === undefined) dirs.push(d);
  const store = await openStore(d);
  const ca = await loadOrCreateCa(store);
  const clock = { now: Math.floor(Date.now() / 1000) };
  const server = await startBitbucketServer({
    store,
    host: "127.0.0.1",
    port: 0,
    ca,
    now: () => clock.now,
  });
  const env = { dir: d, store, ca, server, clock };
  running.push(env);
  return env;
}

async function stop(env: Env): Promise<void> {
  running.splice(running.indexOf(env), 1);
  await env.server.close();
  await env.store.close();
}

afterEach(async () => {
  for (const env of [...running]) await stop(env);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function jwks(env: Env, slug = "acme"): Promise<JSONWebKeySet> {
  const r = await httpsJson(
    env.server.url,
    `/2.0/workspaces/${slug}/pipelines-config/identity/oidc/keys.json`,
    env.ca.rootPem,
  );
  expect(r.status).toBe(200);
  return r.json as JSONWebKeySet;
}

describe("Bitbucket issuer over HTTPS", () => {
  it("serves discovery, keys and the workspace at the real paths, trusted via the generated root", async () => {
    const env = await start();
    await createWorkspaceViaAdmin(
      env.server.url,
      { slug: "acme", name: "Acme Inc" },
      { ca: env.ca.rootPem },
    );

    const disc = await httpsJson(
      env.server.url,
      `${OIDC}/.well-known/openid-configuration`,
      env.ca.rootPem,
    );
    expect(disc.status).toBe(200);
    expect(disc.json).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/keys.json`,
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["id_token"],
    });
    expect((disc.json as { claims_supported: string[] }).claims_supported).toContain("sub");

    const keys = await jwks(env);
    expect(keys.keys).toHaveLength(1);
    expect(keys.keys[0]).toMatchObject({ kty: "RSA", use: "sig", alg: "RS256" });
    expect(keys.keys[0]!.kid).toBeTruthy();
    expect(keys.keys[0]).not.toHaveProperty("d");

    const ws = await httpsJson(env.server.url, "/2.0/workspaces/acme", env.ca.rootPem);
    expect(ws.json).toMatchObject({ type: "workspace", slug: "acme", name: "Acme Inc" });
    const uuid = (ws.json as { uuid: string }).uuid;
    expect(uuid).toMatch(/^\{[0-9a-f-]{36}\}$/);
    // Also addressable by UUID (percent-encoded braces), as the real API allows.
    const byUuid = await httpsJson(
      env.server.url,
      `/2.0/workspaces/${encodeURIComponent(uuid)}`,
      env.ca.rootPem,
    );
    expect(byUuid.json).toMatchObject({ slug: "acme" });
  });

  it("answers unknown workspaces with Bitbucket's 404 error envelope", async () => {
    const env = await start();
    for (const path of [
      "/2.0/workspaces/nope",
      `/2.0/workspaces/nope/pipelines-config/identity/oidc/keys.json`,
    ]) {
      const r = await httpsJson(env.server.url, path, env.ca.rootPem);
      expect(r.status).toBe(404);
      expect(r.json).toMatchObject({
        type: "error",
        error: { message: expect.stringContaining("nope") },
      });
    }
  });

  it("mints tokens that verify against the served JWKS with jose", async () => {
    const env = await start();
    const token = await mintViaAdmin(
      env.server.url,
      { workspace: "acme", repositoryUuid: REPO, deploymentEnvironmentUuid: ENV },
      { ca: env.ca.rootPem },
    );
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(await jwks(env)),
      {
        issuer: ISSUER,
        algorithms: ["RS256"],
        currentDate: new Date(env.clock.now * 1000),
      },
    );
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.sub).toMatch(
      new RegExp(`^\\${REPO.slice(0, -1)}\\}:\\${ENV.slice(0, -1)}\\}:\\{`),
    );
    expect(payload.iat).toBe(env.clock.now);
    expect(payload.exp).toBe(env.clock.now + 3600);
    expect(Array.isArray(payload.aud)).toBe(true);
  });

  it("keeps the old key published during the grace period after rotation, then drops it", async () => {
    const env = await start();
    const oldToken = await mintToken(env.store, {
      workspace: "acme",
      repositoryUuid: REPO,
      now: env.clock.now,
    });
    const oldKid = decodeProtectedHeader(oldToken).kid;

    const rotated = await rotateViaAdmin(
      env.server.url,
      { workspace: "acme", graceSeconds: 600 },
      { ca: env.ca.rootPem },
    );
    expect(rotated.kid).not.toBe(oldKid);
    expect(rotated.retired).toEqual([{ kid: oldKid, publishUntil: env.clock.now + 600 }]);

    const newToken = await mintToken(env.store, {
      workspace: "acme",
      repositoryUuid: REPO,
      now: env.clock.now,
    });
    expect(decodeProtectedHeader(newToken).kid).toBe(rotated.kid);

    const during = await jwks(env);
    expect(during.keys.map((k) => k.kid).sort()).toEqual([oldKid, rotated.kid].sort());
    const set = createLocalJWKSet(during);
    const at = { currentDate: new Date(env.clock.now * 1000) };
    await expect(jwtVerify(oldToken, set, at)).resolves.toBeTruthy();
    await expect(jwtVerify(newToken, set, at)).resolves.toBeTruthy();

    env.clock.now += 601;
    const after = await jwks(env);
    expect(after.keys.map((k) => k.kid)).toEqual([rotated.kid]);
    // A later rotation prunes the expired key from the store.
    const again = await rotateKeys(env.store, "acme", { now: env.clock.now, graceSeconds: 10 });
    expect(again.removed).toEqual([oldKid]);
  });

  it("serves the chain leaf + intermediate; thumbprint = SHA-1 of the intermediate, stable across restarts", async () => {
    const env = await start();
    const r = await httpsJson(env.server.url, "/ip-ranges.json", env.ca.rootPem);
    expect(r.chain.length).toBeGreaterThanOrEqual(2);
    const served = r.chain.map((der) => new X509Certificate(der));
    expect(served[0]!.subject).toContain("api.bitbucket.org");
    expect(served[0]!.checkHost("api.bitbucket.org")).toBe("api.bitbucket.org");
    expect(served[0]!.checkIP("127.0.0.1")).toBe("127.0.0.1");
    const intermediate = new X509Certificate(env.ca.intermediatePem);
    expect(served[1]!.fingerprint256).toBe(intermediate.fingerprint256);
    expect(served[1]!.ca).toBe(true);

    const independent = intermediate.fingerprint.replaceAll(":", "").toLowerCase();
    expect(env.ca.thumbprint).toBe(independent);
    expect(env.ca.thumbprint).toBe(createHash("sha1").update(r.chain[1]!).digest("hex"));
    expect(env.ca.thumbprint).toMatch(/^[0-9a-f]{40}$/);
    expect(await readFile(env.ca.caFile, "utf8")).toBe(env.ca.rootPem);
    expect(env.ca.caFile.startsWith(env.dir)).toBe(true);

    const before = { thumbprint: env.ca.thumbprint, root: env.ca.rootPem, leaf: env.ca.leafPem };
    const keysBefore = await jwks(env, "acme").catch(() => null);
    await mintToken(env.store, { workspace: "acme", repositoryUuid: REPO });
    const kidsBefore = (await jwks(env)).keys.map((k) => k.kid);
    await stop(env);
    const again = await start(env.dir);
    expect(again.ca.thumbprint).toBe(before.thumbprint);
    expect(again.ca.rootPem).toBe(before.root);
    expect(again.ca.leafPem).toBe(before.leaf);
    expect((await jwks(again)).keys.map((k) => k.kid)).toEqual(kidsBefore);
    expect(keysBefore).toBeNull(); // acme did not exist before the mint
  });

  it("publishes an ip-ranges feed in Atlassian's schema with documentation ranges only", async () => {
    const env = await start();
    const r = await httpsJson(env.server.url, "/ip-ranges.json", env.ca.rootPem);
    const feed = r.json as {
      syncToken: string;
      creationDate: string;
      items: {
        network: string;
        mask_len: number;
        cidr: string;
        mask: string;
        region: string[];
        product: string[];
        direction: string[];
        perimeter: string;
      }[];
    };
    expect(typeof feed.syncToken).toBe("string");
    expect(typeof feed.creationDate).toBe("string");
    const egress = feed.items.filter(
      (i) => i.product.includes("bitbucket") && i.direction.includes("egress"),
    );
    expect(egress.length).toBeGreaterThanOrEqual(3);
    expect(feed.items.some((i) => !i.product.includes("bitbucket"))).toBe(true);
    for (const i of feed.items) {
      expect(i.cidr).toBe(`${i.network}/${i.mask_len}`);
      expect(i.cidr).toMatch(/^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8:)/);
      expect(typeof i.mask).toBe("string");
      expect(typeof i.perimeter).toBe("string");
    }
  });

  it("refuses bad admin input with 400 and a message saying what is wrong", async () => {
    const env = await start();
    const cases: [string, unknown, RegExp][] = [
      ["/_emulator/mint", { workspace: "acme", repositoryUuid: REPO.slice(1, -1) }, /braces/],
      ["/_emulator/mint", { workspace: "acme" }, /repositoryUuid is required/],
      ["/_emulator/mint", { workspace: "Bad Slug", repositoryUuid: REPO }, /workspace/],
      [
        "/_emulator/mint",
        { workspace: "acme", repositoryUuid: REPO, audience: ["x"] },
        /unknown mint option "audience"/,
      ],
      [
        "/_emulator/mint",
        { workspace: "acme", repositoryUuid: REPO, audiences: Array(11).fill("a") },
        /at most 10/,
      ],
      [
        "/_emulator/mint",
        { workspace: "acme", repositoryUuid: REPO, audiences: ["a".repeat(151)] },
        /at most 150/,
      ],
      ["/_emulator/mint", "not an object", /JSON object/],
      ["/_emulator/workspaces", { slug: "" }, /slug/],
      ["/_emulator/rotate-keys", { workspace: "acme", grace: 1 }, /unknown field "grace"/],
    ];
    for (const [path, body, message] of cases) {
      const r = await httpsJson(env.server.url, path, env.ca.rootPem, { method: "POST", body });
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json).toMatchObject({
        type: "error",
        error: { code: "ERR_INPUT", message: expect.stringMatching(message) },
      });
    }
    const badJson = await httpsJson(env.server.url, "/_emulator/mint", env.ca.rootPem, {
      method: "POST",
      body: undefined,
    });
    expect(badJson.status).toBe(400); // {} → no workspace
    const rot = await httpsJson(env.server.url, "/_emulator/rotate-keys", env.ca.rootPem, {
      method: "POST",
      body: { workspace: "ghost" },
    });
    expect(rot.status).toBe(404);
    await expect(
      mintViaAdmin(
        env.server.url,
        { workspace: "acme", repositoryUuid: "nope" },
        { ca: env.ca.rootPem },
      ),
    ).rejects.toMatchObject({ code: "ERR_INPUT", message: expect.stringContaining("not a UUID") });
  });

  it("close() lets an in-flight request finish", async () => {
    const env = await start();
    const pending = httpsJson(env.server.url, "/_emulator/mint", env.ca.rootPem, {
      method: "POST",
      body: { workspace: "slowco", repositoryUuid: REPO },
    });
    // Key generation makes this first mint take a while; close while it runs.
    await new Promise((r) => setTimeout(r, 20));
    const closing = stop(env);
    const reply = await pending;
    await closing;
    expect(reply.status).toBe(200);
    expect(typeof (reply.json as { token: string }).token).toBe("string");
  });
});
