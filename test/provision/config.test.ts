import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/provision/config/index.js";
import { configText, example, REPO_A, WS_UUID } from "./helpers.js";

function problemsOf(text: string): ConfigError["problems"] {
  try {
    loadConfig(text, "bb-oidc.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("loads the example with defaults filled in", () => {
    const cfg = loadConfig(example(), "examples/bb-oidc.yaml");
    expect(cfg.workspace).toEqual({ slug: "acme", uuid: WS_UUID });
    expect(cfg.audiences).toEqual([
      "ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31",
    ]);
    expect(cfg.provider).toEqual({ create: true });
    expect(cfg.roles).toHaveLength(1);
    expect(cfg.roles[0]).toMatchObject({
      name: "deploy-web-prod",
      accounts: ["111111111111"],
      repositories: ["{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}"],
      environments: ["{d2a8f6b0-1c4e-4a9d-b7e3-5f0c9e8d7a61}"],
      allowAdministratorAccess: false,
      managedPolicyArns: [],
    });
  });

  it("refuses a UUID without braces, naming file, line, column and path", () => {
    const text = configText(`  - name: deploy
    accounts: ["111111111111"]
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}", "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b"]
`);
    const [p, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ path: "roles[0].repositories[1]", line: 6, column: 62 });
    expect(p!.message).toContain("needs braces");
    expect(p!.message).toContain('"{0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b}"');
  });

  it("suggests the nearest field for an unknown one, at the key's position", () => {
    const text = configText(`  - name: deploy
    accounts: ["111111111111"]
    repositories: ["${REPO_A}"]
    maxSesionDuration: 3600
`);
    const [p] = problemsOf(text);
    expect(p).toMatchObject({ path: "roles[0].maxSesionDuration", line: 7, column: 5 });
    expect(p!.message).toContain('did you mean "maxSessionDuration"?');
  });

  it("collects every problem, in file order, and the error message lists each with file:line:col", () => {
    const text = `workspace: { slug: acme, uuid: "${WS_UUID}" }
provider: { create: true }
audiences: ["${"x".repeat(151)}"]
roles:
  - name: "bad name!"
    accounts: [11111111111]
    repositories: ["${REPO_A}"]
    maxSessionDuration: 600
  - name: second
    organizationalUnits: [ou-abc]
    repositories: []
`;
    let error: ConfigError | undefined;
    try {
      loadConfig(text, "bb-oidc.yaml");
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = error!.problems.map((p) => p.path);
    expect(paths).toEqual([
      "audiences[0]",
      "roles[0].name",
      "roles[0].accounts[0]",
      "roles[0].maxSessionDuration",
      "roles[1].organizationalUnits[0]",
      "roles[1].repositories",
    ]);
    expect(error!.problems[2]!.message).toContain("11111111111");
    expect(error!.problems[2]!.message).toContain("quotes");
    expect(error!.message).toContain("bb-oidc.yaml:8:25: roles[0].maxSessionDuration");
    expect(error!.code).toBe("ERR_INPUT");
  });

  it("refuses an account ID YAML turned into a number and explains the quoting", () => {
    const [p] = problemsOf(
      configText(`  - name: deploy
    accounts: [011111111111]
    repositories: ["${REPO_A}"]
`),
    );
    expect(p!.path).toBe("roles[0].accounts[0]");
    expect(p!.message).toContain("011111111111");
  });

  it("refuses duplicate role names, ignoring case as IAM does", () => {
    const role = (name: string) => `  - name: ${name}
    accounts: ["111111111111"]
    repositories: ["${REPO_A}"]
`;
    const problems = problemsOf(configText(role("Deploy") + role("deploy")));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "roles[1].name", line: 7 });
    expect(problems[0]!.message).toContain("duplicate role name");
  });

  it("refuses AdministratorAccess without the opt-in and accepts it with", () => {
    const role = (optIn: string) => `  - name: admin
    accounts: ["111111111111"]
    repositories: ["${REPO_A}"]
    managedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
${optIn}`;
    const [p] = problemsOf(configText(role("")));
    expect(p!.path).toBe("roles[0].managedPolicyArns[0]");
    expect(p!.message).toContain("allowAdministratorAccess: true");
    const cfg = loadConfig(
      configText(role("    allowAdministratorAccess: true\n")),
      "bb-oidc.yaml",
    );
    expect(cfg.roles[0]!.allowAdministratorAccess).toBe(true);
  });

  it("refuses an inline Allow of * on * without the opt-in", () => {
    const [p] = problemsOf(
      configText(`  - name: admin
    accounts: ["111111111111"]
    repositories: ["${REPO_A}"]
    inlinePolicies:
      everything: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "*", Resource: "*" }] }
`),
    );
    expect(p!.path).toBe("roles[0].inlinePolicies.everything");
  });

  it("checks audiences (≤ 10) and the provider shape", () => {
    const many = JSON.stringify(Array.from({ length: 11 }, (_, i) => `aud-${i}`));
    const problems = problemsOf(
      `workspace: { slug: acme, uuid: "${WS_UUID}" }
provider: { create: true, arn: "arn:aws:iam::111111111111:oidc-provider/example.com" }
audiences: ${many}
roles:
  - { name: r, accounts: ["111111111111"], repositories: ["${REPO_A}"] }
`,
    );
    expect(problems.map((p) => p.path)).toEqual(["provider.arn", "provider.arn", "audiences"]);
    expect(problems.some((p) => p.message.includes("is for example.com"))).toBe(true);
  });

  it("refuses an unknown sourceIps keyword and a bad CIDR", () => {
    const problems = problemsOf(
      configText(`  - { name: a, accounts: ["111111111111"], repositories: ["${REPO_A}"], sourceIps: bitbucket }
  - { name: b, accounts: ["111111111111"], repositories: ["${REPO_A}"], sourceIps: [192.0.2.0/33] }
`),
    );
    expect(problems.map((p) => p.path)).toEqual(["roles[0].sourceIps", "roles[1].sourceIps[0]"]);
  });

  it("reports YAML syntax errors with a position", () => {
    const [p] = problemsOf("workspace: { slug: acme\nroles: [\n");
    expect(p!.line).toBeGreaterThan(0);
    expect(p!.message).toMatch(/^YAML syntax/);
  });

  it("reports missing sections", () => {
    const problems = problemsOf("audiences: [x]\n");
    expect(problems.map((p) => p.path)).toEqual(["workspace", "provider", "roles"]);
  });
});
