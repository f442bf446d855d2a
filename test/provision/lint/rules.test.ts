import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bitbucketEgressRanges, parseIpRangesFeed } from "../../../src/bitbucket/index.js";
import { type LintRunOptions, lintSources, RULES } from "../../../src/provision/lint/index.js";

const FIX = join(import.meta.dirname, "fixtures");

function source(name: string) {
  return { file: name, text: readFileSync(join(FIX, name), "utf8") };
}

async function ruleIds(files: string[], options: LintRunOptions = {}) {
  const result = await lintSources(files.map(source), options);
  return { ids: new Set(result.findings.map((f) => f.ruleId)), result };
}

const egressRanges = bitbucketEgressRanges(
  parseIpRangesFeed(
    JSON.parse(readFileSync(join(FIX, "ip-ranges.json"), "utf8")),
    "ip-ranges.json",
  ),
);

/** [rule, files that must trigger it, files that must not, options]. */
const CASES: [string, string[], string[], LintRunOptions?][] = [
  ["no-audience-condition", ["policies/no-aud.json"], ["policies/good.json"]],
  ["no-subject-condition", ["policies/aud-only.json"], ["policies/good.json"]],
  ["no-subject-condition", ["seed-style.yaml"], ["good-template.yaml"]],
  ["wildcard-in-string-equals", ["policies/wildcard-equals.json"], ["policies/good.json"]],
  ["uuid-without-braces", ["policies/bare-uuid.json"], ["policies/good.json"]],
  [
    "condition-key-provider-mismatch",
    ["policies/other-workspace-key.json"],
    ["policies/good.json"],
  ],
  ["condition-key-provider-mismatch", ["policies/https-key.json"], ["policies/good.json"]],
  [
    "subject-equals",
    ["policies/subject-equals.json"],
    ["policies/good.json", "policies/wildcard-equals.json"],
  ],
  [
    "for-all-values-missing-key",
    ["policies/for-all-values.json"],
    ["policies/for-all-values-required.json"],
  ],
  ["admin-access", ["seed-style.yaml"], ["good-template.yaml"]],
  ["admin-access", ["policies/other-account-role.json"], ["policies/good.json"]],
  ["trust-policy-too-large", ["policies/too-large.json"], ["policies/good.json"]],
  ["ip-condition-needs-static-egress", ["seed-style.yaml"], ["good-template.yaml"]],
  [
    "ip-condition-needs-static-egress",
    ["seed-style.yaml", "pipelines-without-oidc.yml"],
    ["seed-style.yaml", "pipelines-with-oidc.yml"],
  ],
  ["stale-ip-ranges", ["seed-style.yaml"], ["policies/sourceip-fresh.json"], { egressRanges }],
  ["thumbprint-format", ["bad-thumbprint.yaml"], ["good-template.yaml", "seed-style.yaml"]],
  ["provider-url-format", ["bad-provider-url.yaml"], ["good-template.yaml"]],
  [
    "oidc-flag-missing",
    ["pipelines-without-oidc.yml"],
    ["pipelines-with-oidc.yml", "pipelines-static-keys.yml"],
  ],
  [
    "token-file-not-written",
    ["pipelines-token-not-written.yml", "pipelines-without-oidc.yml"],
    ["pipelines-with-oidc.yml"],
  ],
  ["static-aws-keys", ["pipelines-static-keys.yml"], ["pipelines-with-oidc.yml"]],
  ["misspelled-oidc-variable", ["pipelines-misspelled.yml"], ["pipelines-with-oidc.yml"]],
  [
    "federated-provider-other-account",
    ["policies/other-account-role.json"],
    ["policies/good.json"],
  ],
  ["audience-uuid-with-braces", ["policies/braced-audience.json"], ["policies/good.json"]],
  ["audience-not-bitbucket-default", ["policies/custom-audience.json"], ["policies/good.json"]],
  ["malformed-trust-policy", ["policies/malformed.json"], ["policies/good.json"]],
  ["parameter-placeholder", ["seed-style.yaml"], ["good-template.yaml"]],
  [
    "set-operator-on-single-valued-claim",
    ["generators/sam-bootstrap-style.yaml"],
    ["good-template.yaml", "policies/good.json"],
  ],
  [
    "set-operator-on-single-valued-claim",
    ["generators/terraform-module-style.json"],
    ["policies/good.json"],
  ],
  [
    "action-principal-mismatch",
    ["generators/federated-with-assume-role.json"],
    ["policies/good.json", "generators/terraform-module-style.json"],
  ],
  [
    "action-principal-mismatch",
    ["generators/aws-principal-with-web-identity.json"],
    ["policies/other-account-role.json"],
  ],
  [
    "condition-key-never-set",
    ["generators/terraform-strict-example-style.json"],
    ["policies/good.json", "good-template.yaml"],
  ],
  [
    "unresolved-placeholder",
    ["generators/copied-example-placeholders.yaml"],
    ["good-template.yaml", "seed-style.yaml"],
  ],
];

describe("lint rules: each fails its failing fixture and passes its passing one", () => {
  for (const [rule, fail, pass, options] of CASES) {
    it(`${rule}: ${fail.join(" + ")} ✗, ${pass.join(" + ")} ✓`, async () => {
      // Each file of `pass` is linted alone unless the case pairs a template with a pipelines file.
      const passSets =
        pass.length === 2 &&
        pass.some((p) => p.endsWith(".yml")) &&
        pass.some((p) => !p.endsWith(".yml"))
          ? [pass]
          : pass.map((p) => [p]);
      expect((await ruleIds(fail, options)).ids).toContain(rule);
      for (const set of passSets)
        expect((await ruleIds(set, options)).ids, set.join(" + ")).not.toContain(rule);
    });
  }

  it("has a case for every rule except unresolved-value and template-limits (below)", () => {
    const covered = new Set(CASES.map((c) => c[0]));
    expect(RULES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([
      "unresolved-value",
      "template-limits",
    ]);
  });

  it("every rule has a stable kebab-case id, a severity, a description and help", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of RULES) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(["error", "warning", "note"]).toContain(r.severity);
      expect(r.description.length).toBeGreaterThan(20);
      expect(r.help.length).toBeGreaterThan(20);
    }
  });
});

describe("checks for what public generators emit", () => {
  it("set operators on aud and sub: a warning naming the plain operator", async () => {
    const { result } = await ruleIds(["generators/sam-bootstrap-style.yaml"]);
    const found = result.findings.filter((f) => f.ruleId === "set-operator-on-single-valued-claim");
    expect(found.map((f) => f.severity)).toEqual(["warning", "warning"]);
    expect(found.map((f) => f.fix)).toEqual([
      expect.stringContaining('"StringEquals"'),
      expect.stringContaining('"StringLike"'),
    ]);
    expect(found[0]!.line).toBe(28);
  });

  it("a Federated principal with sts:AssumeRole: an error, no pipeline can use it", async () => {
    const { result } = await ruleIds(["generators/federated-with-assume-role.json"]);
    const f = result.findings.find((x) => x.ruleId === "action-principal-mismatch")!;
    expect(f.severity).toBe("error");
    expect(f.message).toContain("only sts:AssumeRole");
    expect(f.fix).toContain("sts:AssumeRoleWithWebIdentity");
  });

  it("keys IAM never sets: an error for each positive condition, a warning for a vacuous one", async () => {
    const { result } = await ruleIds(["generators/terraform-strict-example-style.json"]);
    const found = result.findings.filter((f) => f.ruleId === "condition-key-never-set");
    expect(
      found.map((f) => [f.message.match(/:(\w+),? which|:(\w+) for/)?.[0], f.severity]),
    ).toHaveLength(3);
    expect(found.map((f) => f.severity).sort()).toEqual(["error", "error", "error"]);
    expect(found.map((f) => f.message).join("\n")).toMatch(
      /repositoryUuid[\s\S]*branchName[\s\S]*deploymentEnvironmentUuid/,
    );
    expect(found[0]!.fix).toContain("{REPOSITORY-UUID}:{ENVIRONMENT-UUID}:*");
  });

  it("placeholders from copied examples, in the trust policy and in permissions", async () => {
    const { result } = await ruleIds(["generators/copied-example-placeholders.yaml"]);
    const found = result.findings.filter((f) => f.ruleId === "unresolved-placeholder");
    expect(found.map((f) => f.message.match(/placeholder (<\w+>)/)?.[1])).toEqual([
      "<ACCOUNT_ID>",
      "<S3_BUCKET>",
    ]);
    expect(found.every((f) => f.severity === "error")).toBe(true);
  });
});

describe("template-limits", () => {
  /** A hand-written template with `n` roles (no bb-oidc metadata). */
  function roles(n: number, generated = false): string {
    const out = ["Resources:"];
    for (let i = 0; i < n; i++) {
      out.push(
        `  Role${i}:`,
        "    Type: AWS::IAM::Role",
        ...(generated
          ? [
              `    Metadata: { bb-oidc: { targets: { accounts: ["${String(100000000000 + (i % 3))}"] } } }`,
            ]
          : []),
        "    Properties:",
        `      RoleName: role-${i}`,
        "      AssumeRolePolicyDocument:",
        "        Statement: [{ Effect: Allow, Principal: { AWS: arn:aws:iam::123456789012:root }, Action: sts:AssumeRole }]",
      );
    }
    return `${out.join("\n")}\n`;
  }
  const lint = async (text: string) =>
    await lintSources([{ file: "t.yaml", text }], {
      rules: RULES.filter((r) => r.id === "template-limits"),
    });

  it("counts every template against every limit in the report", async () => {
    const r = await lint(roles(2));
    expect(r.findings).toEqual([]);
    expect(r.templates).toEqual([
      {
        file: "t.yaml",
        measure: { bytes: roles(2).length, resources: 2, outputs: 0 },
        roles: 2,
        generated: false,
      },
    ]);
  });

  it("over TemplateBody's limit: a warning to go through S3", async () => {
    const r = await lint(roles(300));
    expect(
      r.findings.map((f) => [f.severity, f.message.match(/over the [\d,]+ bytes/)?.[0]]),
    ).toEqual([["warning", "over the 51,200 bytes"]]);
    expect(r.findings[0]!.fix).toContain("--s3-bucket");
  });

  it("over 500 resources: an error for a hand-written template, a warning for bb-oidc's (deploy splits it)", async () => {
    const hand = await lint(roles(520));
    expect(hand.findings.filter((f) => /resources/.test(f.message)).map((f) => f.severity)).toEqual(
      ["error"],
    );
    const built = await lint(roles(520, true));
    const f = built.findings.find((x) => /resources/.test(x.message))!;
    expect(f.severity).toBe("warning");
    expect(f.fix).toContain("deploy --config");
    // 520 roles over three accounts is 174 per account: within IAM's quota.
    expect(built.templates[0]!.roles).toBe(174);
  });
});

describe("lint findings on the seed-style template", () => {
  it("names the key and values, points at the line, and says what to write", async () => {
    const { result } = await ruleIds(["seed-style.yaml", "pipelines-without-oidc.yml"], {
      egressRanges,
    });
    const subject = result.findings.find((f) => f.ruleId === "no-subject-condition")!;
    expect(subject.severity).toBe("error");
    expect(subject.file).toBe("seed-style.yaml");
    expect(subject.message).toMatch(/any repository of the workspace/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation reference the fix names
    expect(subject.fix).toContain("${Workspace}/pipelines-config/identity/oidc:sub");
    // The Condition inside the Fn::Sub string: found by searching the text.
    const lines = readFileSync(join(FIX, "seed-style.yaml"), "utf8").split("\n");
    expect(lines[subject.line! - 1]).toContain('"Condition"');

    const stale = result.findings.find((f) => f.ruleId === "stale-ip-ranges")!;
    expect(stale.message).toContain("198.51.100.20/32");
    expect(stale.message).not.toContain("192.0.2.10/32");
    const admin = result.findings.find((f) => f.ruleId === "admin-access")!;
    expect(admin.severity).toBe("warning");
    expect(lines[admin.line! - 1]).toContain("AdministratorAccess");

    const flag = result.findings.find((f) => f.ruleId === "oidc-flag-missing")!;
    expect(flag).toMatchObject({ file: "pipelines-without-oidc.yml", line: 5, severity: "error" });
    expect(result.summary.errors).toBeGreaterThan(0);
  });

  it("with parameters given, the placeholders disappear and the provider is checked", async () => {
    const { result } = await ruleIds(["seed-style.yaml"], {
      parameters: {
        Workspace: "acme",
        DeployRoleName: "deploy",
        ClientId: "ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31",
        CaThumbprint: "not-a-thumbprint",
        IssuerUrl: "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
      },
    });
    const ids = result.findings.map((f) => f.ruleId);
    expect(ids).not.toContain("parameter-placeholder");
    expect(ids).toContain("thumbprint-format");
    expect(ids).toContain("no-subject-condition");
  });

  it("a custom audience no step asks for is a warning when the pipelines file is linted too", async () => {
    const alone = await ruleIds(["policies/custom-audience.json"]);
    expect(
      alone.result.findings.find((f) => f.ruleId === "audience-not-bitbucket-default")!.severity,
    ).toBe("note");
    const without = await ruleIds(["policies/custom-audience.json", "pipelines-with-oidc.yml"]);
    expect(
      without.result.findings.find((f) => f.ruleId === "audience-not-bitbucket-default")!.severity,
    ).toBe("warning");
    const asked = await ruleIds(["policies/custom-audience.json", "pipelines-custom-audience.yml"]);
    expect(asked.ids).not.toContain("audience-not-bitbucket-default");
  });

  it("is deterministic: the same input gives the same findings", async () => {
    const a = await ruleIds(["seed-style.yaml", "pipelines-without-oidc.yml"]);
    const b = await ruleIds(["seed-style.yaml", "pipelines-without-oidc.yml"]);
    expect(a.result.findings).toEqual(b.result.findings);
  });
});
