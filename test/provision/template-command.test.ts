import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerTemplate } from "../../src/cli/commands/template.js";
import { InputError } from "../../src/errors.js";
import { readTemplate } from "../../src/provision/reader/index.js";
import { configText, REPO_A } from "./helpers.js";

const examplePath = new URL("../../examples/bb-oidc.yaml", import.meta.url).pathname;

async function run(args: string[]): Promise<void> {
  const program = new Command("bb-oidc").exitOverride();
  registerTemplate(program);
  await program.parseAsync(["node", "bb-oidc", "template", ...args]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("bb-oidc template", () => {
  it("writes the template atomically to --out, leaving no temporary file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bb-oidc-template-"));
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    await run(["--config", examplePath, "--format", "json", "--out", join(dir, "t.json")]);
    expect(readdirSync(dir)).toEqual(["t.json"]);
    const parsed = readTemplate(readFileSync(join(dir, "t.json"), "utf8"), "t.json");
    expect(Object.keys(parsed.template.Resources)).toEqual([
      "BitbucketOidcProvider",
      "RoleDeployWebProd",
    ]);
  });

  it("prints YAML to standard output by default", async () => {
    let out = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    await run(["--config", examplePath]);
    expect(out).toContain("Federated: !Ref BitbucketOidcProvider");
  });

  it("takes bitbucket egress ranges from an Atlassian feed file, and needs one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bb-oidc-template-"));
    const config = join(dir, "bb-oidc.yaml");
    writeFileSync(
      config,
      configText(
        `  - { name: ci, accounts: ["111111111111"], repositories: ["${REPO_A}"], sourceIps: bitbucket-egress }\n`,
      ),
    );
    await expect(run(["--config", config])).rejects.toThrow(InputError);
    const feed = join(dir, "ip-ranges.json");
    writeFileSync(
      feed,
      JSON.stringify({
        syncToken: "1",
        creationDate: "2026-01-01T00:00:00",
        items: [
          { cidr: "203.0.113.0/28", product: ["bitbucket"], direction: ["egress"] },
          { cidr: "198.51.100.0/28", product: ["bitbucket"], direction: ["ingress"] },
          { cidr: "192.0.2.0/28", product: ["jira"], direction: ["egress"] },
        ],
      }),
    );
    let out = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    await run(["--config", config, "--ip-ranges", feed, "--format", "json"]);
    const ips =
      JSON.parse(out).Resources.RoleCi.Properties.AssumeRolePolicyDocument.Statement[0].Condition
        .IpAddress;
    expect(ips).toEqual({ "aws:SourceIp": "203.0.113.0/28" });
  });
});

describe("bb-oidc template and CloudFormation's limits", () => {
  it("reports the counts against every limit, and how deploy splits a template that is over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bb-oidc-template-limits-"));
    const roles = Array.from(
      { length: 60 },
      (_, i) => `  - name: role-${i}
    accounts: ["111111111111"]
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-${i.toString(16).padStart(12, "0")}}"]
`,
    ).join("");
    writeFileSync(join(dir, "bb-oidc.yaml"), configText(roles));
    let err = "";
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    await run(["--config", join(dir, "bb-oidc.yaml")]);
    expect(err).toMatch(/61 of 500 resources, 61 of 200 outputs, 60 of 1,000 roles per account/);
    expect(err).toMatch(
      /over template size \(TemplateBody\) \([\d,]+ > 51,200\): bb-oidc deploy --config splits the roles into about 2 stacks per target \(about 1 with --s3-bucket BUCKET\)/,
    );
  });
});
