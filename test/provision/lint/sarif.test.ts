import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../../support/built-cli.js";

const ROOT = join(import.meta.dirname, "../../..");
const FIX = "test/provision/lint/fixtures";

/**
 * The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that bb-oidc emits, checked by
 * hand: required properties, their types, enums and minimums. Returns every violation found.
 */
function sarifViolations(log: unknown): string[] {
  const errors: string[] = [];
  const obj = (v: unknown, at: string): v is Record<string, unknown> => {
    const ok = typeof v === "object" && v !== null && !Array.isArray(v);
    if (!ok) errors.push(`${at}: must be an object`);
    return ok;
  };
  const str = (v: unknown, at: string, nonEmpty = false) => {
    if (typeof v !== "string" || (nonEmpty && v.length === 0))
      errors.push(`${at}: must be a${nonEmpty ? " non-empty" : ""} string`);
  };
  const int = (v: unknown, at: string, min: number) => {
    if (!Number.isInteger(v) || (v as number) < min)
      errors.push(`${at}: must be an integer ≥ ${min}`);
  };
  const message = (v: unknown, at: string) => {
    // message: anyOf required text / required id.
    if (obj(v, at) && typeof v.text !== "string" && typeof v.id !== "string")
      errors.push(`${at}: needs text or id`);
  };
  const LEVELS = ["none", "note", "warning", "error"];

  if (!obj(log, "$")) return errors;
  if (log.version !== "2.1.0") errors.push("$.version: must be the string 2.1.0");
  if (log.$schema !== undefined) str(log.$schema, "$.$schema", true);
  if (!Array.isArray(log.runs)) {
    errors.push("$.runs: required array");
    return errors;
  }
  log.runs.forEach((run, r) => {
    const at = `$.runs[${r}]`;
    if (!obj(run, at)) return;
    if (!obj(run.tool, `${at}.tool`)) return;
    const driver = run.tool.driver;
    if (!obj(driver, `${at}.tool.driver`)) return;
    str(driver.name, `${at}.tool.driver.name`, true);
    if (driver.version !== undefined) str(driver.version, `${at}.tool.driver.version`, true);
    if (driver.informationUri !== undefined) {
      str(driver.informationUri, `${at}.tool.driver.informationUri`);
      if (!/^[a-z][a-z0-9+.-]*:/i.test(String(driver.informationUri)))
        errors.push(`${at}.tool.driver.informationUri: must be an absolute URI`);
    }
    const rules = driver.rules;
    if (rules !== undefined && !Array.isArray(rules))
      errors.push(`${at}.tool.driver.rules: must be an array`);
    const ruleIds: string[] = [];
    (Array.isArray(rules) ? rules : []).forEach((rule, i) => {
      const ra = `${at}.tool.driver.rules[${i}]`;
      if (!obj(rule, ra)) return;
      str(rule.id, `${ra}.id`, true);
      ruleIds.push(String(rule.id));
      for (const k of ["shortDescription", "fullDescription", "help"]) {
        if (rule[k] !== undefined && obj(rule[k], `${ra}.${k}`))
          str((rule[k] as Record<string, unknown>).text, `${ra}.${k}.text`);
      }
      if (
        rule.defaultConfiguration !== undefined &&
        obj(rule.defaultConfiguration, `${ra}.defaultConfiguration`)
      ) {
        if (!LEVELS.includes(String(rule.defaultConfiguration.level)))
          errors.push(`${ra}.defaultConfiguration.level: not a level`);
      }
    });
    if (new Set(ruleIds).size !== ruleIds.length)
      errors.push(`${at}.tool.driver.rules: ids must be unique`);
    if (run.results !== undefined && !Array.isArray(run.results))
      errors.push(`${at}.results: must be an array`);
    (Array.isArray(run.results) ? run.results : []).forEach((res, i) => {
      const ra = `${at}.results[${i}]`;
      if (!obj(res, ra)) return;
      message(res.message, `${ra}.message`);
      if (res.ruleId !== undefined) str(res.ruleId, `${ra}.ruleId`);
      if (res.ruleIndex !== undefined) {
        int(res.ruleIndex, `${ra}.ruleIndex`, -1);
        if (ruleIds[res.ruleIndex as number] !== res.ruleId)
          errors.push(`${ra}.ruleIndex: does not point at rule ${String(res.ruleId)}`);
      }
      if (res.level !== undefined && !LEVELS.includes(String(res.level)))
        errors.push(`${ra}.level: not a level`);
      if (res.locations !== undefined && !Array.isArray(res.locations))
        errors.push(`${ra}.locations: must be an array`);
      (Array.isArray(res.locations) ? res.locations : []).forEach((loc, j) => {
        const la = `${ra}.locations[${j}]`;
        if (!obj(loc, la) || loc.physicalLocation === undefined) return;
        const pl = loc.physicalLocation;
        if (!obj(pl, `${la}.physicalLocation`)) return;
        // physicalLocation: anyOf required address / required artifactLocation.
        if (pl.artifactLocation === undefined && pl.address === undefined)
          errors.push(`${la}.physicalLocation: needs artifactLocation`);
        if (
          pl.artifactLocation !== undefined &&
          obj(pl.artifactLocation, `${la}.physicalLocation.artifactLocation`)
        ) {
          str(pl.artifactLocation.uri, `${la}.physicalLocation.artifactLocation.uri`);
          if (/[\s\\]/.test(String(pl.artifactLocation.uri)))
            errors.push(`${la}...uri: not a URI reference`);
        }
        if (pl.region !== undefined && obj(pl.region, `${la}.physicalLocation.region`)) {
          int(pl.region.startLine, `${la}.physicalLocation.region.startLine`, 1);
          if (pl.region.startColumn !== undefined)
            int(pl.region.startColumn, `${la}.physicalLocation.region.startColumn`, 1);
        }
      });
    });
  });
  return errors;
}

beforeAll(() => {
  ensureBuilt();
});

describe("bb-oidc lint --format sarif", () => {
  it("emits SARIF 2.1.0 that satisfies the schema's requirements for what it contains", () => {
    const r = spawnSync(
      "node",
      [
        "dist/cli.cjs",
        "lint",
        "--format",
        "sarif",
        `${FIX}/seed-style.yaml`,
        `${FIX}/pipelines-without-oidc.yml`,
        `${FIX}/bad-thumbprint.yaml`,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(r.status).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(sarifViolations(log)).toEqual([]);
    expect(log.$schema).toBe("https://json.schemastore.org/sarif-2.1.0.json");
    const driver = log.runs[0].tool.driver;
    expect(driver).toMatchObject({
      name: "bb-oidc",
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(driver.rules.map((x: { id: string }) => x.id)).toContain("no-subject-condition");
    const result = log.runs[0].results.find(
      (x: { ruleId: string }) => x.ruleId === "oidc-flag-missing",
    );
    expect(result).toMatchObject({
      level: "error",
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: `${FIX}/pipelines-without-oidc.yml` },
            region: { startLine: 5, startColumn: 7 },
          },
        },
      ],
    });
  });

  it("the checks for generator output come with their rule, level, place and fix", () => {
    const r = spawnSync(
      "node",
      [
        "dist/cli.cjs",
        "lint",
        "--format",
        "sarif",
        `${FIX}/generators/sam-bootstrap-style.yaml`,
        `${FIX}/generators/federated-with-assume-role.json`,
        `${FIX}/generators/terraform-strict-example-style.json`,
        `${FIX}/generators/copied-example-placeholders.yaml`,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(r.status).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(sarifViolations(log)).toEqual([]);
    const rules = log.runs[0].tool.driver.rules as Array<{ id: string; help: { text: string } }>;
    const results = log.runs[0].results as Array<{
      ruleId: string;
      level: string;
      message: { text: string };
      locations: Array<{ physicalLocation: { region?: { startLine: number } } }>;
    }>;
    for (const [id, level] of [
      ["set-operator-on-single-valued-claim", "warning"],
      ["action-principal-mismatch", "error"],
      ["condition-key-never-set", "error"],
      ["unresolved-placeholder", "error"],
    ]) {
      expect(rules.find((x) => x.id === id)?.help.text.length).toBeGreaterThan(20);
      const hit = results.find((x) => x.ruleId === id)!;
      expect(hit.level).toBe(level);
      expect(hit.message.text).toMatch(/\nFix: \S/);
      expect(hit.locations[0]!.physicalLocation.region?.startLine).toBeGreaterThan(0);
    }
  });

  it("the checker itself catches broken logs", () => {
    expect(
      sarifViolations({
        version: "2.0.0",
        runs: [
          {
            tool: { driver: {} },
            results: [
              {
                ruleId: "x",
                ruleIndex: 3,
                message: {},
                locations: [{ physicalLocation: { region: { startLine: 0 } } }],
              },
            ],
          },
        ],
      }),
    ).toEqual([
      "$.version: must be the string 2.1.0",
      "$.runs[0].tool.driver.name: must be a non-empty string",
      "$.runs[0].results[0].message: needs text or id",
      "$.runs[0].results[0].ruleIndex: does not point at rule x",
      "$.runs[0].results[0].locations[0].physicalLocation: needs artifactLocation",
      "$.runs[0].results[0].locations[0].physicalLocation.region.startLine: must be an integer ≥ 1",
    ]);
  });
});
