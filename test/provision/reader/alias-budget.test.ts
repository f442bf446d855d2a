import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../src/provision/config/index.js";
import { readTemplate, TemplateError } from "../../../src/provision/reader/index.js";
import { MAX_ALIAS_NODES } from "../../../src/provision/reader/located-yaml.js";
import { runCli } from "../../e2e/cli-run.js";
import { ensureBuilt } from "../../support/built-cli.js";
import { aliasBomb, templateBomb } from "./alias-bomb.js";

const LIMIT = MAX_ALIAS_NODES.toLocaleString("en-US");

describe("YAML alias expansion budget", () => {
  it("refuses a few hundred bytes of nested aliases at once, naming the limit and where", () => {
    expect(templateBomb.length).toBeLessThan(600);
    const started = Date.now();
    let err: unknown;
    try {
      readTemplate(templateBomb, "bomb.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).message).toMatch(
      new RegExp(`^bomb\\.yaml:7:10: .*more than ${LIMIT} nodes, the limit for alias expansion`),
    );
    // Stopped at the budget, not after expanding: far below a second even on a busy machine.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("still reads a document that uses aliases within the budget", () => {
    const parsed = readTemplate(
      `Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      Tags: &tags [{ Key: team, Value: web }]
  B:
    Type: AWS::IAM::Role
    Properties:
      Tags: *tags
`,
      "t.yaml",
    );
    expect(parsed.template.Resources.B!.Properties!.Tags).toEqual([{ Key: "team", Value: "web" }]);
  });

  it("applies to bb-oidc.yaml too", () => {
    const config = aliasBomb("workspace: { slug: acme, uuid: x }", (a) => `roles: ${a}\n`);
    let err: unknown;
    try {
      loadConfig(config, "bb-oidc.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toHaveLength(1);
    expect((err as ConfigError).message).toContain(`more than ${LIMIT} nodes`);
  });

  describe("through the CLI", () => {
    let dir: string;
    beforeAll(() => {
      ensureBuilt();
      dir = mkdtempSync(join(tmpdir(), "bb-oidc-alias-"));
      writeFileSync(join(dir, "bomb.yaml"), templateBomb);
      writeFileSync(
        join(dir, "bb-oidc.yaml"),
        aliasBomb("workspace: { slug: acme, uuid: x }", (a) => `roles: ${a}\n`),
      );
    });

    it("lint exits 2 with the limit named, no stack trace", async () => {
      const r = await runCli(["lint", join(dir, "bomb.yaml")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`more than ${LIMIT} nodes, the limit for alias expansion`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

    it("template --config exits 2 with the limit named", async () => {
      const r = await runCli(["template", "--config", join(dir, "bb-oidc.yaml")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`more than ${LIMIT} nodes`);
      expect(r.stdout).toBe("");
    });
  });
});
