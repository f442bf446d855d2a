/**
 * SARIF 2.1.0 (OASIS), as code-scanning services read it: one run, every rule described once in
 * `tool.driver.rules`, each result pointing at its rule by id and index.
 */
import { isAbsolute } from "node:path";
import { RULES } from "../rules/index.js";
import type { LintResult } from "../run-lint.js";
import type { LintRule, Severity } from "../types.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
export const SARIF_VERSION = "2.1.0";

export interface SarifTool {
  version: string;
  informationUri: string;
}

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  note: "note",
};

/** A relative URI reference for a relative path; a file: URI for an absolute one. */
export function artifactUri(file: string): string {
  const slashed = file.replace(/\\/g, "/");
  if (isAbsolute(file) || /^[A-Za-z]:\//.test(slashed)) {
    return `file://${slashed.startsWith("/") ? "" : "/"}${encodeURI(slashed)}`;
  }
  return encodeURI(slashed);
}

/** A rule as `tool.driver.rules` describes it (lint's and audit's rules alike). */
export function sarifRuleDescriptor(r: { id: string; description: string; help: string }) {
  return {
    id: r.id,
    name: r.id
      .split("-")
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join(""),
    shortDescription: { text: r.description },
    fullDescription: { text: `${r.description} ${r.help}` },
    help: { text: r.help },
  };
}

export function toSarif(
  result: LintResult,
  tool: SarifTool,
  rules: readonly LintRule[] = RULES,
): object {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: "bb-oidc",
            version: tool.version,
            informationUri: tool.informationUri,
            rules: rules.map((r) => ({
              ...sarifRuleDescriptor(r),
              defaultConfiguration: { level: LEVEL[r.severity] },
            })),
          },
        },
        results: result.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId) ?? -1,
          level: LEVEL[f.severity],
          message: { text: `${f.message}\nFix: ${f.fix}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: artifactUri(f.file) },
                ...(f.line === undefined
                  ? {}
                  : { region: { startLine: f.line, startColumn: f.column ?? 1 } }),
              },
            },
          ],
        })),
      },
    ],
  };
}

export function formatSarif(result: LintResult, tool: SarifTool): string {
  return `${JSON.stringify(toSarif(result, tool), null, 2)}\n`;
}
