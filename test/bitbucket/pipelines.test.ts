import { describe, expect, it } from "vitest";
import { looksLikePipelines, readPipelines } from "../../src/bitbucket/pipelines.js";
import { BbOidcError } from "../../src/errors.js";

const FILE = `definitions:
  steps:
    - step: &deploy
        name: Deploy
        oidc: true
        script:
          - aws s3 sync build/ s3://bucket/
options:
  size: 2x
  oidc:
    audiences: [sts.amazonaws.com]
pipelines:
  default:
    - step:
        name: Build
        script:
          - npm ci
  branches:
    main:
      - step: *deploy
      - step:
          <<: *deploy
          name: Deploy again
          size: 4x
          runtime:
            cloud:
              atlassian-ip-ranges: true
  custom:
    "manual run":
      - variables:
          - name: X
      - parallel:
          steps:
            - step:
                script:
                  - pipe: atlassian/aws-s3-deploy:1.1.0
                    variables:
                      AWS_OIDC_ROLE_ARN: arn:aws:iam::123456789012:role/deploy
      - stage:
          name: Production
          deployment: production
          steps:
            - step:
                oidc:
                  audiences: [https://a.example]
                script:
                  - echo hi
`;

describe("readPipelines", () => {
  const p = readPipelines(FILE, "bitbucket-pipelines.yml");

  it("finds every step, following anchors, merge keys, parallel and stages", () => {
    expect(p.steps.map((s) => s.path)).toEqual([
      "pipelines.default[0].step",
      "pipelines.branches.main[0].step",
      "pipelines.branches.main[1].step",
      'pipelines.custom."manual run"[1].parallel[0].step',
      'pipelines.custom."manual run"[2].stage.steps[0].step',
    ]);
  });

  it("reads oidc, size, runtime, deployment and audiences, with global defaults", () => {
    const [build, aliased, merged, pipe, staged] = p.steps;
    expect(build).toMatchObject({
      name: "Build",
      oidc: false,
      size: "2x",
      atlassianIpRanges: false,
    });
    expect(aliased).toMatchObject({ name: "Deploy", oidc: true });
    expect(merged).toMatchObject({
      name: "Deploy again",
      oidc: true,
      size: "4x",
      atlassianIpRanges: true,
    });
    expect(pipe!.script[0]).toMatchObject({
      pipe: "atlassian/aws-s3-deploy:1.1.0",
      variables: { AWS_OIDC_ROLE_ARN: "arn:aws:iam::123456789012:role/deploy" },
    });
    expect(staged).toMatchObject({
      oidc: true,
      audiences: ["https://a.example"],
      deployment: "production",
    });
    expect(p.globalAudiences).toEqual(["sts.amazonaws.com"]);
    expect(p.globalOidcFlag).toBe(false);
  });

  it("positions: a step where its list item is, an aliased step where the alias is used", () => {
    expect(p.steps[0]!.position).toEqual({ line: 14, column: 7 });
    expect(p.steps[1]!.position.line).toBe(20);
    expect(p.steps[0]!.script[0]).toMatchObject({
      text: "npm ci",
      position: { line: 17, column: 13 },
    });
    expect(p.steps[1]!.oidcPosition?.line).toBe(5);
  });

  it("refuses YAML syntax errors and files without pipelines, naming the file", () => {
    expect(() => readPipelines("pipelines: [\n", "x.yml")).toThrow(
      /x\.yml:\d+:\d+: not valid YAML/,
    );
    expect(() => readPipelines("image: node\n", "y.yml")).toThrow(BbOidcError);
    expect(looksLikePipelines({ pipelines: { default: [] } })).toBe(true);
    expect(looksLikePipelines({ Resources: {} })).toBe(false);
  });
});
