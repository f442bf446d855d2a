/**
 * bb-oidc.schema.json and docs/config-reference.md are made from the loader's field table: they
 * must be exactly what it makes now (regenerate with `npx tsx scripts/gen-config-reference.ts`),
 * and the schema must accept what the loader accepts and refuse what it refuses.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/provision/config/index.js";
import {
  configJsonSchema,
  configReferenceMarkdown,
  SCHEMA_FILE,
} from "../../src/provision/config/reference.js";
import { configText, example, REPO_A } from "./helpers.js";

const ROOT = new URL("../../", import.meta.url);
const read = (p: string) => readFileSync(new URL(p, ROOT), "utf8");

describe("bb-oidc.yaml schema and reference", () => {
  it("the shipped files are what the field table makes", () => {
    // Compared as JSON: the formatter may lay the file out its own way.
    expect(JSON.parse(read(SCHEMA_FILE))).toEqual(configJsonSchema());
    expect(read("docs/config-reference.md")).toBe(configReferenceMarkdown());
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.files).toContain(SCHEMA_FILE);
    expect(pkg.exports[`./${SCHEMA_FILE}`]).toBe(`./${SCHEMA_FILE}`);
  });

  it("documents every field the loader knows, organizationalUnits and path included", () => {
    const page = configReferenceMarkdown();
    for (const field of [
      "organizationalUnits",
      "path",
      "permissionsBoundary",
      "sourceIps",
      "thumbprints",
      "apiBase",
    ]) {
      expect(page).toContain(`| \`${field}\` |`);
    }
  });

  const validate = new Ajv({ allErrors: true, strict: false }).compile(configJsonSchema());
  const loads = (text: string) => {
    try {
      loadConfig(text, "bb-oidc.yaml");
      return true;
    } catch {
      return false;
    }
  };
  const role = (body: string) => configText(`  - name: r\n${body}`);
  const CASES: Array<[string, string]> = [
    ["the example", example()],
    ["a minimal role", role(`    accounts: ["111111111111"]\n    repositories: ["${REPO_A}"]\n`)],
    [
      "OUs instead of accounts",
      role(`    organizationalUnits: [ou-ab12-cdefgh34]\n    repositories: ["${REPO_A}"]\n`),
    ],
    [
      "an unknown field",
      role(
        `    accounts: ["111111111111"]\n    repositories: ["${REPO_A}"]\n    maxSesionDuration: 3600\n`,
      ),
    ],
    [
      "accounts and OUs both",
      role(
        `    accounts: ["111111111111"]\n    organizationalUnits: [ou-ab12-cdefgh34]\n    repositories: ["${REPO_A}"]\n`,
      ),
    ],
    ["neither accounts nor OUs", role(`    repositories: ["${REPO_A}"]\n`)],
    [
      "a UUID without braces",
      role(
        `    accounts: ["111111111111"]\n    repositories: ["9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f"]\n`,
      ),
    ],
    [
      "an account ID that is a number",
      role(`    accounts: [111111111111]\n    repositories: ["${REPO_A}"]\n`),
    ],
    [
      "a session too long",
      role(
        `    accounts: ["111111111111"]\n    repositories: ["${REPO_A}"]\n    maxSessionDuration: 50000\n`,
      ),
    ],
    [
      "a bad path",
      role(`    accounts: ["111111111111"]\n    repositories: ["${REPO_A}"]\n    path: deploy\n`),
    ],
    [
      "sourceIps as a word",
      role(
        `    accounts: ["111111111111"]\n    repositories: ["${REPO_A}"]\n    sourceIps: anywhere\n`,
      ),
    ],
    [
      "a tag with the aws: prefix",
      role(
        `    accounts: ["111111111111"]\n    repositories: ["${REPO_A}"]\n    tags: { "aws:team": web }\n`,
      ),
    ],
    ["no roles", configText("")],
    [
      "provider with neither create nor arn",
      `workspace: { slug: acme, uuid: "{4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31}" }\nprovider: {}\nroles: [{ name: r, accounts: ["111111111111"], repositories: ["${REPO_A}"] }]\n`,
    ],
  ];
  it.each(CASES)("the schema and the loader agree on %s", (_name, text) => {
    expect(validate(parse(text) ?? {}), JSON.stringify(validate.errors)).toBe(loads(text));
  });
});
