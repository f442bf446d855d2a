import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { InputError } from "../../src/errors.js";
import { policySize } from "../../src/policy/size.js";
import { type BbOidcConfig, loadConfig } from "../../src/provision/config/index.js";
import { iamResources, readTemplate, resolveTemplate } from "../../src/provision/reader/index.js";
import { buildTemplate, renderTemplate } from "../../src/provision/template/index.js";
import {
  configText,
  ENV_PROD,
  ENV_STAGING,
  example,
  HOST_PATH,
  REPO_A,
  REPO_B,
} from "./helpers.js";

const load = (text: string) => loadConfig(text, "bb-oidc.yaml");
const resolveOpts = { accountId: "222222222222", region: "eu-west-1", stackName: "bb-oidc" };

function trustOf(config: BbOidcConfig, index = 0) {
  const resolved = resolveTemplate(buildTemplate(config), resolveOpts);
  return iamResources(resolved).roles[index]!.trustPolicy as {
    Statement: {
      Principal: unknown;
      Action: string;
      Condition: Record<string, Record<string, unknown>>;
    }[];
  };
}

describe("buildTemplate", () => {
  it("is deterministic: same config, same bytes, in both formats", () => {
    const a = buildTemplate(load(example()));
    const b = buildTemplate(load(example()));
    expect(renderTemplate(a, "yaml")).toBe(renderTemplate(b, "yaml"));
    expect(renderTemplate(a, "json")).toBe(renderTemplate(b, "json"));
  });

  it("trusts each repository with {repo}:* when no environment is given", () => {
    const cfg = load(
      configText(
        `  - { name: ci, accounts: ["111111111111"], repositories: ["${REPO_A}", "${REPO_B}"] }\n`,
      ),
    );
    const [st] = trustOf(cfg).Statement;
    expect(st!.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(st!.Principal).toEqual({
      Federated: `arn:aws:iam::222222222222:oidc-provider/${HOST_PATH}`,
    });
    expect(st!.Condition).toEqual({
      StringEquals: {
        [`${HOST_PATH}:aud`]: "ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31",
      },
      StringLike: { [`${HOST_PATH}:sub`]: [`${REPO_A}:*`, `${REPO_B}:*`] },
    });
  });

  it("trusts repository × environment with {repo}:{env}:* and adds source IPs", () => {
    const cfg = load(
      configText(
        `  - name: deploy
    accounts: ["111111111111"]
    repositories: ["${REPO_A}", "${REPO_B}"]
    environments: ["${ENV_PROD}", "${ENV_STAGING}"]
    sourceIps: [203.0.113.0/24]
`,
        "audiences: [sts.amazonaws.com, ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31]\n",
      ),
    );
    const [st] = trustOf(cfg).Statement;
    expect(st!.Condition).toEqual({
      StringEquals: {
        [`${HOST_PATH}:aud`]: [
          "sts.amazonaws.com",
          "ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31",
        ],
      },
      StringLike: {
        [`${HOST_PATH}:sub`]: [
          `${REPO_A}:${ENV_PROD}:*`,
          `${REPO_A}:${ENV_STAGING}:*`,
          `${REPO_B}:${ENV_PROD}:*`,
          `${REPO_B}:${ENV_STAGING}:*`,
        ],
      },
      IpAddress: { "aws:SourceIp": "203.0.113.0/24" },
    });
  });

  it("references an existing provider through pseudo parameters (account-agnostic)", () => {
    const cfg = load(
      configText(
        `  - { name: ci, accounts: ["111111111111", "333333333333"], repositories: ["${REPO_A}"] }\n`,
      ).replace("{ create: true }", "{ create: false }"),
    );
    const t = buildTemplate(cfg);
    expect(t.Resources.BitbucketOidcProvider).toBeUndefined();
    const yaml = renderTemplate(t, "yaml");
    expect(yaml).toContain(
      `!Sub arn:\${AWS::Partition}:iam::\${AWS::AccountId}:oidc-provider/${HOST_PATH}`,
    );
    expect(yaml).not.toMatch(/\d{12}:/);
    expect(trustOf(cfg).Statement[0]!.Principal).toEqual({
      Federated: `arn:aws:iam::222222222222:oidc-provider/${HOST_PATH}`,
    });
  });

  it("expands bitbucket-egress from the supplied ranges, and refuses it without them", () => {
    const cfg = load(
      configText(
        `  - { name: ci, accounts: ["111111111111"], repositories: ["${REPO_A}"], sourceIps: bitbucket-egress }\n`,
      ),
    );
    expect(() => buildTemplate(cfg)).toThrow(/no Bitbucket egress ranges were supplied/);
    const t = buildTemplate(cfg, {
      egressRanges: ["198.51.100.0/24", "192.0.2.0/24", "192.0.2.0/24"],
    });
    const trust = t.Resources.RoleCi!.Properties!.AssumeRolePolicyDocument as {
      Statement: { Condition: { IpAddress: unknown } }[];
    };
    expect(trust.Statement[0]!.Condition.IpAddress).toEqual({
      "aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"],
    });
  });

  it("refuses AdministratorAccess without the opt-in, and comments it in YAML with the opt-in", () => {
    const cfg = load(example());
    const role = cfg.roles[0]!;
    role.managedPolicyArns = ["arn:aws:iam::aws:policy/AdministratorAccess"];
    expect(() => buildTemplate(cfg)).toThrow(InputError);
    expect(() => buildTemplate(cfg)).toThrow(/deploy-web-prod would get full administrator access/);
    role.allowAdministratorAccess = true;
    const yaml = renderTemplate(buildTemplate(cfg), "yaml");
    const lines = yaml.split("\n");
    const at = lines.indexOf("  RoleDeployWebProd:");
    expect(lines.slice(at - 3, at).join("\n")).toContain(
      "WARNING: role deploy-web-prod grants FULL ADMINISTRATOR ACCESS",
    );
    expect(
      JSON.parse(renderTemplate(buildTemplate(cfg), "json")).Resources.RoleDeployWebProd.Metadata[
        "bb-oidc"
      ],
    ).toMatchObject({
      grantsAdministratorAccess: true,
    });
  });

  it("fails over the trust policy quota, naming the role, its size and the quota", () => {
    const repos = Array.from(
      { length: 40 },
      (_, i) => `"{${(i + 0x10000000).toString(16)}-0000-4000-8000-000000000000}"`,
    );
    const cfg = load(
      configText(
        `  - { name: many-repos, accounts: ["111111111111"], repositories: [${repos.join(", ")}] }\n`,
      ),
    );
    let err: InputError | undefined;
    try {
      buildTemplate(cfg);
    } catch (e) {
      err = e as InputError;
    }
    expect(err).toBeInstanceOf(InputError);
    const t = buildTemplate(cfg, { trustPolicyQuota: 8192 });
    const measured = JSON.parse(
      JSON.stringify(t.Resources.RoleManyRepos!.Properties!.AssumeRolePolicyDocument).replace(
        /\{"Ref":"BitbucketOidcProvider"\}/,
        JSON.stringify(`arn:aws:iam::123456789012:oidc-provider/${HOST_PATH}`),
      ),
    );
    const size = policySize(measured);
    expect(size).toBeGreaterThan(2048);
    expect(err!.message).toContain("role many-repos");
    expect(err!.message).toContain(`${size} characters`);
    expect(err!.message).toContain("quota of 2048");
    expect(err!.message).toContain("L-C07B4B0D to 8,192");
    expect(err!.message).toMatch(/split the role/);
  });

  it("renders YAML and JSON that read back to the same IAM resources", () => {
    const cfg = load(
      configText(
        `  - name: deploy
    organizationalUnits: [ou-ab12-cd34ef56]
    repositories: ["${REPO_A}"]
    environments: ["${ENV_PROD}"]
    managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    permissionsBoundary: arn:aws:iam::aws:policy/PowerUserAccess
    maxSessionDuration: 7200
    path: /ci/
    inlinePolicies:
      s3: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] }
    tags: { team: "on" }
  - { name: other, accounts: ["111111111111"], repositories: ["${REPO_B}"] }
`,
        "",
      ).replace(
        "{ create: true }",
        '{ create: true, thumbprints: ["A031C46782E6E6C662C2C87C76DA9AA62CCABD8E"] }',
      ),
    );
    const t = buildTemplate(cfg);
    const yaml = renderTemplate(t, "yaml");
    const json = renderTemplate(t, "json");
    expect(parse(json)).toEqual(t);
    const fromYaml = readTemplate(yaml, "t.yaml");
    const fromJson = readTemplate(json, "t.json");
    expect(fromYaml.template).toEqual(fromJson.template);
    const a = iamResources(resolveTemplate(fromYaml, resolveOpts));
    const b = iamResources(resolveTemplate(fromJson, resolveOpts));
    expect(a).toEqual(b);
    expect(a.providers[0]).toMatchObject({
      thumbprints: ["a031c46782e6e6c662c2c87c76da9aa62ccabd8e"],
      arn: `arn:aws:iam::222222222222:oidc-provider/${HOST_PATH}`,
    });
    expect(a.roles.map((r) => r.arn)).toEqual([
      "arn:aws:iam::222222222222:role/ci/deploy",
      "arn:aws:iam::222222222222:role/other",
    ]);
    expect(a.roles[0]).toMatchObject({
      managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
      permissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess",
      maxSessionDuration: 7200,
      tags: { "managed-by": "bb-oidc", "bb-oidc:workspace": "acme", team: "on" },
    });
    expect(a.roles[0]!.inlinePolicies[0]!.name).toBe("s3");
    expect(yaml).toContain("!GetAtt RoleDeploy.Arn");
    expect(yaml).toContain('Value: "on"');
  });
});
