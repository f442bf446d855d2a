/**
 * bb-oidc's own YAML writer gives the same text as the YAML library for its templates (or leaves
 * the template to the library): checked over templates built from varied configs, whole and per
 * deployment unit (with AWS::AccountId conditions), and over hand-made templates with every
 * short form.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/provision/config/index.js";
import { planDeployment } from "../../src/provision/plan/plan.js";
import { readTemplate } from "../../src/provision/reader/index.js";
import type { CfnTemplate } from "../../src/provision/reader/types.js";
import { buildTemplate } from "../../src/provision/template/index.js";
import {
  renderTemplate,
  renderYamlDirectly,
  renderYamlWithLibrary,
} from "../../src/provision/template/render-template.js";
import { configText } from "./helpers.js";

const root = new URL("../../", import.meta.url).pathname;

function roles(n: number): string {
  return Array.from(
    { length: n },
    (_, i) => `  - name: role-${i}
    description: "${["Deploys service", "Reads: the bucket", "yes", "it's #1", "x y z"][i % 5]} ${i}"
    accounts: ["${String(111111111111 + (i % 3))}"${i % 4 === 0 ? ', "222222222222"' : ""}]
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-${i.toString(16).padStart(12, "0")}}"]
${i % 2 ? '    environments: ["{d2a8f6b0-1c4e-4a9d-b7e3-5f0c9e8d7a61}"]\n' : ""}${i % 3 === 0 ? "    managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n" : ""}${i % 5 === 0 ? "    maxSessionDuration: 7200\n" : ""}${i % 7 === 0 ? '    tags: { team: platform, cost-center: "0042" }\n' : ""}`,
  ).join("");
}

/** The direct writer's text, where it writes one, equals the library's. */
function agrees(template: CfnTemplate): boolean {
  const direct = renderYamlDirectly(template);
  const library = renderYamlWithLibrary(template);
  if (direct !== undefined) expect(direct).toBe(library);
  expect(renderTemplate(template, "yaml")).toBe(library);
  return direct !== undefined;
}

describe("the YAML writer", () => {
  test("writes templates built from configs exactly as the library does", () => {
    const configs = [
      readFileSync(`${root}examples/bb-oidc.yaml`, "utf8"),
      configText(roles(40)),
      configText(
        roles(3),
        "audiences: [ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31, sts.amazonaws.com]\n",
      ),
    ];
    for (const text of configs) {
      const config = loadConfig(text, "bb-oidc.yaml");
      expect(agrees(buildTemplate(config))).toBe(true);
      const plan = planDeployment({
        config,
        baseName: "bb",
        mechanism: "stacksets",
        callerAccount: "999999999999",
        transport: "inline",
      });
      for (const u of plan.units) expect(agrees(u.template), u.name).toBe(true);
    }
  });

  test("writes administrator-access warnings and every short form as the library does", () => {
    const admin = loadConfig(
      configText(`  - name: admin
    accounts: ["111111111111"]
    repositories: ["{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}"]
    managedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
    allowAdministratorAccess: true
`),
      "bb-oidc.yaml",
    );
    expect(agrees(buildTemplate(admin))).toBe(true);
    const forms = readTemplate(
      readFileSync(`${root}test/provision/fixtures/short-forms.json`, "utf8"),
      "short-forms.json",
    ).template;
    agrees(forms);
  });

  test("writes other templates with their own header as the library does (the audit role)", async () => {
    const { auditRoleTemplate } = await import("../../src/audit/audit-role.js");
    const header = " Made by a test.";
    const t = auditRoleTemplate();
    expect(renderTemplate(t, "yaml", header)).toBe(renderYamlWithLibrary(t, header));
    expect(renderTemplate(t, "yaml", header)).toMatch(/^# Made by a test\.\n/);
  });

  test("takes bb-oidc's own templates (so the speed-up is real)", async () => {
    const { emitTemplateYaml } = await import("../../src/provision/template/emit-yaml.js");
    const t = buildTemplate(loadConfig(configText(roles(40)), "bb-oidc.yaml"));
    expect(
      emitTemplateYaml(t, {
        header: " h",
        sequenceTags: { "Fn::Equals": "!Equals" },
        anyFormTags: { "Fn::Sub": "!Sub" },
        commentFor: () => undefined,
      }),
    ).toBeDefined();
  });
});
