import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { toBitbucketClaims } from "../../../src/bitbucket/index.js";
import {
  ensureWorkspace,
  mintToken,
  workspaceUuidFor,
} from "../../../src/emulator/bitbucket/index.js";
import { openMemoryStore } from "../../../src/emulator/store/index.js";
import { ENV, REPO, STEP } from "./helpers.js";

const NOW = 1_750_000_000;

describe("workspaces", () => {
  it("derives a stable braced UUID from the slug", async () => {
    const a = workspaceUuidFor("acme");
    expect(a).toBe(workspaceUuidFor("acme"));
    expect(a).not.toBe(workspaceUuidFor("acme2"));
    expect(a).toMatch(/^\{[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\}$/);
    const store = openMemoryStore();
    const ws = await ensureWorkspace(store, "acme");
    expect(ws).toEqual({ slug: "acme", uuid: a, name: "acme" });
    // Concurrent ensures create one workspace with one key.
    await Promise.all([ensureWorkspace(store, "beta"), ensureWorkspace(store, "beta")]);
    expect(store.list("bitbucket-signing-keys")).toHaveLength(2);
  });
});

describe("mintToken claims", () => {
  it("non-deployment step: sub {repo}:{step}, default ARI audience as an array, no env claim", async () => {
    const store = openMemoryStore();
    const token = await mintToken(store, {
      workspace: "acme",
      repositoryUuid: REPO,
      stepUuid: STEP,
      now: NOW,
    });
    const c = decodeJwt(token);
    const wsUuid = workspaceUuidFor("acme");
    expect(c).toMatchObject({
      iss: "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
      aud: [`ari:cloud:bitbucket::workspace/${wsUuid.slice(1, -1)}`],
      sub: `${REPO}:${STEP}`,
      iat: NOW,
      exp: NOW + 3600,
      workspaceUuid: wsUuid,
      repositoryUuid: REPO,
      stepUuid: STEP,
      branchName: "main",
    });
    expect(c).not.toHaveProperty("deploymentEnvironmentUuid");
    expect(c.pipelineUuid).toMatch(/^\{[0-9a-f-]{36}\}$/);
    expect(c.accountUuid).toMatch(/^\{[0-9a-f-]{36}\}$/);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", typ: "JWT" });
    // The project's own claim checker accepts what the emulator mints.
    expect(() => toBitbucketClaims(c as Record<string, unknown>)).not.toThrow();
  });

  it("deployment step: sub {repo}:{env}:{step} and deploymentEnvironmentUuid", async () => {
    const c = decodeJwt(
      await mintToken(openMemoryStore(), {
        workspace: "acme",
        repositoryUuid: REPO,
        deploymentEnvironmentUuid: ENV,
        stepUuid: STEP,
        branch: "release/1.2",
        now: NOW,
      }),
    );
    expect(c.sub).toBe(`${REPO}:${ENV}:${STEP}`);
    expect(c.deploymentEnvironmentUuid).toBe(ENV);
    expect(c.branchName).toBe("release/1.2");
  });

  it("custom audiences stay an array, even with one entry; ttl and expired shape exp", async () => {
    const store = openMemoryStore();
    const one = decodeJwt(
      await mintToken(store, {
        workspace: "acme",
        repositoryUuid: REPO,
        audiences: ["sts.amazonaws.com"],
        now: NOW,
        ttlSeconds: 900,
      }),
    );
    expect(one.aud).toEqual(["sts.amazonaws.com"]);
    expect(one.exp).toBe(NOW + 900);
    const ten = Array.from({ length: 10 }, (_, i) => `https://a${i}.example/${"x".repeat(120)}`);
    expect(
      decodeJwt(await mintToken(store, { workspace: "acme", repositoryUuid: REPO, audiences: ten }))
        .aud,
    ).toEqual(ten);
    const expired = decodeJwt(
      await mintToken(store, { workspace: "acme", repositoryUuid: REPO, expired: true, now: NOW }),
    );
    expect(expired.exp).toBe(NOW - 3600);
    expect(expired.iat).toBe(NOW - 7200);
    // Each step gets its own step/pipeline UUID by default.
    const a = decodeJwt(await mintToken(store, { workspace: "acme", repositoryUuid: REPO }));
    const b = decodeJwt(await mintToken(store, { workspace: "acme", repositoryUuid: REPO }));
    expect(a.stepUuid).not.toBe(b.stepUuid);
  });

  it("refuses bad input with errors that say what to fix", async () => {
    const store = openMemoryStore();
    const bad = (o: object) =>
      mintToken(store, { workspace: "acme", repositoryUuid: REPO, ...o } as never);
    await expect(bad({ repositoryUuid: REPO.slice(1, -1) })).rejects.toMatchObject({
      code: "ERR_INPUT",
      message: expect.stringContaining("braces"),
    });
    await expect(bad({ deploymentEnvironmentUuid: ENV.slice(1, -1) })).rejects.toThrow(/braces/);
    await expect(bad({ stepUuid: "step-1" })).rejects.toThrow(/not a UUID/);
    await expect(bad({ audiences: Array(11).fill("a") })).rejects.toThrow(/at most 10/);
    await expect(bad({ audiences: ["a".repeat(151)] })).rejects.toThrow(/at most 150/);
    await expect(bad({ audiences: [] })).rejects.toThrow(/non-empty/);
    await expect(bad({ audiences: "sts.amazonaws.com" })).rejects.toThrow(/array/);
    await expect(bad({ ttlSeconds: 0 })).rejects.toThrow(/ttlSeconds/);
    await expect(bad({ ttlSeconds: 1.5 })).rejects.toThrow(/ttlSeconds/);
    await expect(bad({ workspace: "Acme Corp" })).rejects.toThrow(/slug/);
    await expect(bad({ audience: ["x"] })).rejects.toThrow(/unknown mint option/);
    await expect(bad({ repositoryUuid: undefined })).rejects.toThrow(/required/);
  });
});
