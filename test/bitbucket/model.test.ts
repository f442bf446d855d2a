import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  braceUuid,
  defaultAudience,
  formatSub,
  isBracedUuid,
  issuerFor,
  parseDefaultAudience,
  parseIssuer,
  parseSub,
  providerArn,
  providerHostPath,
  requireBracedUuid,
  subPattern,
  toBitbucketClaims,
  unbraceUuid,
} from "../../src/bitbucket/index.js";
import { InputError, TokenError } from "../../src/errors.js";

const WS = "1de489be-7d0a-4b7e-9c43-0f6b1b2c3d4e";
const REPO = "{11111111-1111-4111-8111-111111111111}";
const ENV = "{22222222-2222-4222-8222-222222222222}";
const STEP = "{33333333-3333-4333-8333-333333333333}";
const ISSUER = "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";

describe("issuer", () => {
  it("builds and parses the issuer for a slug and a {uuid}", () => {
    expect(issuerFor("acme")).toBe(ISSUER);
    expect(parseIssuer(ISSUER)).toEqual({
      workspace: "acme",
      apiBase: "https://api.bitbucket.org",
    });
    const byUuid = issuerFor(`{${WS}}`);
    expect(byUuid).toBe(
      `https://api.bitbucket.org/2.0/workspaces/{${WS}}/pipelines-config/identity/oidc`,
    );
    expect(parseIssuer(byUuid)?.workspace).toBe(`{${WS}}`);
  });

  it("round-trips with another API base (the emulator)", () => {
    const iss = issuerFor("my-team.x_1", "https://localhost:8443/");
    expect(iss).toBe(
      "https://localhost:8443/2.0/workspaces/my-team.x_1/pipelines-config/identity/oidc",
    );
    expect(parseIssuer(iss)).toEqual({
      workspace: "my-team.x_1",
      apiBase: "https://localhost:8443",
    });
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,30}$/), (ws) => {
        expect(parseIssuer(issuerFor(ws))).toEqual({
          workspace: ws,
          apiBase: "https://api.bitbucket.org",
        });
      }),
    );
  });

  it("parseIssuer refuses near misses", () => {
    for (const u of [
      `${ISSUER}/`,
      ISSUER.replace("https", "http"),
      `${ISSUER}?x=1`,
      "https://api.bitbucket.org/2.0/workspaces/a/b/pipelines-config/identity/oidc",
      "not a url",
    ]) {
      expect(parseIssuer(u)).toBeNull();
    }
  });

  it("refuses an un-braced workspace UUID and odd slugs", () => {
    expect(() => issuerFor(WS)).toThrow(/UUIDs in Bitbucket claims carry braces: write \{/);
    expect(() => issuerFor("a/b")).toThrow(InputError);
    expect(() => issuerFor("acme", "http://x")).toThrow(InputError);
  });

  it("provider host path and ARN", () => {
    expect(providerHostPath(ISSUER)).toBe(
      "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
    );
    expect(providerArn("123456789012", ISSUER)).toBe(
      "arn:aws:iam::123456789012:oidc-provider/api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
    );
    expect(providerArn("123456789012", ISSUER, "aws-cn")).toMatch(/^arn:aws-cn:iam::/);
    expect(() => providerArn("1234", ISSUER)).toThrow(InputError);
    expect(() => providerHostPath("http://x")).toThrow(InputError);
  });
});

describe("audience", () => {
  it("default audience has no braces; accepts both spellings", () => {
    expect(defaultAudience(WS)).toBe(`ari:cloud:bitbucket::workspace/${WS}`);
    expect(defaultAudience(`{${WS}}`)).toBe(`ari:cloud:bitbucket::workspace/${WS}`);
    expect(parseDefaultAudience(defaultAudience(WS))).toBe(`{${WS}}`);
    expect(parseDefaultAudience("sts.amazonaws.com")).toBeNull();
    expect(parseDefaultAudience(`ari:cloud:bitbucket::workspace/{${WS}}`)).toBeNull();
    expect(() => defaultAudience("acme")).toThrow(InputError);
  });
});

describe("UUIDs", () => {
  it("brace helpers", () => {
    expect(isBracedUuid(`{${WS}}`)).toBe(true);
    expect(isBracedUuid(WS)).toBe(false);
    expect(braceUuid(WS)).toBe(`{${WS}}`);
    expect(braceUuid(`{${WS}}`)).toBe(`{${WS}}`);
    expect(unbraceUuid(`{${WS}}`)).toBe(WS);
    expect(() => braceUuid("{nope}")).toThrow(InputError);
    expect(() => braceUuid(`{${WS}`)).toThrow(InputError);
    expect(() => requireBracedUuid(WS, "repository UUID")).toThrow(
      `UUIDs in Bitbucket claims carry braces: write {${WS}}`,
    );
  });
});

describe("sub", () => {
  it("parses and formats both shapes", () => {
    expect(parseSub(`${REPO}:${STEP}`)).toEqual({ repositoryUuid: REPO, stepUuid: STEP });
    expect(parseSub(`${REPO}:${ENV}:${STEP}`)).toEqual({
      repositoryUuid: REPO,
      environmentUuid: ENV,
      stepUuid: STEP,
    });
    expect(formatSub({ repositoryUuid: REPO, stepUuid: STEP })).toBe(`${REPO}:${STEP}`);
    expect(formatSub({ repositoryUuid: REPO, environmentUuid: ENV, stepUuid: STEP })).toBe(
      `${REPO}:${ENV}:${STEP}`,
    );
    expect(subPattern(REPO)).toBe(`${REPO}:*`);
    expect(subPattern(REPO, ENV)).toBe(`${REPO}:${ENV}:*`);
  });

  it("round-trips random UUIDs", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.option(fc.uuid(), { nil: undefined }), fc.uuid(), (r, e, s) => {
        const parts = {
          repositoryUuid: `{${r}}`,
          stepUuid: `{${s}}`,
          ...(e === undefined ? {} : { environmentUuid: `{${e}}` }),
        };
        expect(parseSub(formatSub(parts))).toEqual(parts);
      }),
    );
  });

  it("rejects un-braced UUIDs, saying so", () => {
    const bare = REPO.slice(1, -1);
    expect(() => parseSub(`${bare}:${STEP}`)).toThrow(/carry braces: write \{/);
    expect(() => formatSub({ repositoryUuid: REPO, stepUuid: STEP.slice(1, -1) })).toThrow(
      /carry braces/,
    );
    expect(() => subPattern(bare)).toThrow(/carry braces/);
    expect(() => parseSub(`${REPO}`)).toThrow(InputError);
    expect(() => parseSub(`${REPO}:${ENV}:${STEP}:${STEP}`)).toThrow(InputError);
    expect(() => parseSub(`${REPO}:*`)).toThrow(InputError);
  });
});

describe("toBitbucketClaims", () => {
  const good = {
    iss: ISSUER,
    aud: [defaultAudience(WS)],
    sub: `${REPO}:${ENV}:${STEP}`,
    iat: 1,
    exp: 2,
    workspaceUuid: `{${WS}}`,
    repositoryUuid: REPO,
    pipelineUuid: "{44444444-4444-4444-8444-444444444444}",
    stepUuid: STEP,
    deploymentEnvironmentUuid: ENV,
    branchName: "main",
  };

  it("accepts Bitbucket's shape", () => {
    expect(toBitbucketClaims(good).branchName).toBe("main");
  });

  it("reports missing and malformed claims", () => {
    const { stepUuid: _s, ...noStep } = good;
    expect(() => toBitbucketClaims(noStep)).toThrow(
      expect.objectContaining({ code: "ERR_CLAIM_MISSING", expected: { claim: "stepUuid" } }),
    );
    expect(() => toBitbucketClaims({ ...good, repositoryUuid: REPO.slice(1, -1) })).toThrow(
      TokenError,
    );
    expect(() => toBitbucketClaims({ ...good, sub: "x" })).toThrow(
      expect.objectContaining({ code: "ERR_TOKEN_MALFORMED" }),
    );
  });
});
