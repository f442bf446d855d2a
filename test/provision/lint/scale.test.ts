import { describe, expect, it } from "vitest";
import { lintSources } from "../../../src/provision/lint/index.js";

describe("lint at scale", () => {
  it("1,000 trust policies (one per role): the engine finds exactly the 100 open roles", async () => {
    const url = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
    const aud = "ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31";
    const hex = (i: number) => i.toString(16).padStart(12, "0");
    const sources = Array.from({ length: 1000 }, (_, i) => ({
      file: `role-${i}.json`,
      text: JSON.stringify(
        {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${url}` },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: {
                StringEquals: { [`${url}:aud`]: aud },
                // Every tenth role forgets the repository: the engine must catch exactly those.
                ...(i % 10 === 0
                  ? {}
                  : { StringLike: { [`${url}:sub`]: `{aaaaaaaa-bbbb-4ccc-8ddd-${hex(i)}}:*` } }),
              },
            },
          ],
        },
        null,
        2,
      ),
    }));
    // Speed is measured in bench/provision.mjs, not asserted here.
    const result = await lintSources(sources);
    expect(result.findings.filter((f) => f.ruleId === "no-subject-condition")).toHaveLength(100);
    expect(result.summary.errors).toBe(100);
  });
});
