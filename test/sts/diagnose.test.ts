/**
 * The diagnosis of a refused exchange: re-decided by the engine on the real trust policy and
 * provider when they are known, and worded from AWS's answer when they are not.
 */
import { describe, expect, it } from "vitest";
import { diagnose, type RefusedCall } from "../../src/sts/diagnose.js";
import { stsErrors } from "../../src/sts/sts-errors.js";

const A = "111111111111";
const ISS = "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const HOST = ISS.slice(8);
const AUD = "ari:cloud:bitbucket::workspace/6e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
const REPO = "{9b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0}";
const OTHER = "{1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d}";
const ROLE = `arn:aws:iam::${A}:role/deploy`;
const NOW = 1767225600;

const claims = (repo: string) => ({
  iss: ISS,
  aud: [AUD],
  sub: `${repo}:{7d8e9f00-1a2b-4c3d-9e4f-5a6b7c8d9e0f}`,
  repositoryUuid: repo,
  iat: NOW - 60,
  exp: NOW + 3540,
});
const trust = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/${HOST}` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: { [`${HOST}:aud`]: AUD },
        StringLike: { [`${HOST}:sub`]: `${REPO}:*` },
      },
    },
  ],
};
const denied = (e = stsErrors.accessDenied()) => ({
  stsCode: e.code,
  awsMessage: e.message,
  httpStatus: e.httpStatus,
  attempts: 1,
});
const request = { sessionName: "bb-1", now: NOW };

describe("diagnose", () => {
  it("AccessDenied with the trust policy known: names the failing condition and what would pass", async () => {
    const d = await diagnose({
      error: denied(),
      roleArn: ROLE,
      claims: claims(OTHER),
      request,
      trust: { policy: trust, source: "trust.json" },
      provider: { clientIds: [AUD] },
    });
    expect(d.cause).toContain(`wanted "${REPO}:*"`);
    expect(d.fix.join("\n")).toContain(`StringLike "${OTHER}:*"`);
    expect(d.fix.join("\n")).not.toContain("not readable");
    expect(d.engine?.ok).toBe(false);
  });

  it("the role's real maximum session duration is used, not a stand-in", async () => {
    const d = await diagnose({
      error: denied(),
      roleArn: ROLE,
      claims: claims(REPO),
      request: { ...request, durationSeconds: 7200 },
      trust: { policy: trust, maxSessionDuration: 3600, source: "iam:GetRole" },
      provider: { clientIds: [AUD] },
    });
    expect(d.engine?.ok).toBe(false);
    expect(d.engine && !d.engine.ok ? d.engine.error.code : "").toBe("ValidationError");
  });

  it("without the provider, says the audience was taken as listed (STS accepted it)", async () => {
    const d = await diagnose({
      error: denied(),
      roleArn: ROLE,
      claims: claims(OTHER),
      request,
      trust: { policy: trust, source: "trust.json" },
    });
    expect(d.cause).toContain(`wanted "${REPO}:*"`);
    expect(d.fix.join("\n")).toContain("client IDs were not readable");
  });

  it("a trust policy IAM would refuse is said to be one, not a crash", async () => {
    const d = await diagnose({
      error: denied(),
      roleArn: ROLE,
      claims: claims(REPO),
      request,
      trust: {
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Maybe" }] },
        source: "t.json",
      },
    });
    expect(d.cause).toMatch(/^The trust policy from t\.json is not a policy IAM accepts/);
  });

  it("an audience refusal lists the provider's client IDs when IAM was readable", async () => {
    const d = await diagnose({
      error: denied(stsErrors.incorrectAudience()),
      roleArn: ROLE,
      claims: { ...claims(REPO), aud: ["sts.amazonaws.com"] },
      request,
      provider: { clientIds: [AUD] },
    });
    expect(d.cause).toContain('["sts.amazonaws.com"]');
    expect(d.cause).toContain(`it lists ${JSON.stringify([AUD])}`);
  });

  it("a refused chained hop is decided for the calling session against the target's trust policy", async () => {
    const target = "arn:aws:iam::222222222222:role/spoke";
    const d = await diagnose({
      error: denied(
        stsErrors.notAuthorized(
          `arn:aws:sts::${A}:assumed-role/deploy/bb-1`,
          "sts:AssumeRole",
          target,
        ),
      ),
      roleArn: ROLE,
      claims: claims(REPO),
      request,
      hop: {
        roleArn: target,
        callerArn: `arn:aws:sts::${A}:assumed-role/deploy/bb-1`,
        sessionName: "bb-1",
      },
      trust: {
        policy: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${A}:role/deploy` },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "sts:ExternalId": "x-1" } },
            },
          ],
        },
        source: "the live trust policy",
      },
    });
    expect(d.cause).toContain(`refuses arn:aws:sts::${A}:assumed-role/deploy/bb-1`);
    expect(d.cause).toContain("sts:ExternalId");
    expect(d.engine?.ok).toBe(false);
  });

  it("each AWS refusal gets its own cause, from AWS's code and text", async () => {
    const cases: [RefusedCall, RegExp][] = [
      [denied(stsErrors.noProvider(ISS)), /has no IAM OIDC provider/],
      [denied(stsErrors.expired(NOW, NOW - 900)), /expired 15 min 0 s ago/],
      [denied(stsErrors.keyUnavailable()), /could not fetch the signing keys/],
      [denied(stsErrors.thumbprintMismatch()), /thumbprint list does not match/],
      [denied(stsErrors.durationExceedsRoleMax()), /longer than the role allows/],
      [{ stsCode: "NetworkError", attempts: 3 }, /could not be reached after 3 attempt/],
    ];
    for (const [error, cause] of cases) {
      const d = await diagnose({
        error,
        roleArn: ROLE,
        claims: { ...claims(REPO), exp: NOW - 900 },
        request,
      });
      expect(d.cause).toMatch(cause);
    }
  });
});
