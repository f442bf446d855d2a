/**
 * A deploy that guards itself: what is about to be deployed is linted first, and an error-level
 * finding stops the deployment unless --allow-lint-errors says to go on anyway.
 */
import { BbOidcError } from "../../errors.js";
import { type Finding, lintSources } from "../../provision/lint/index.js";

export interface Gate {
  findings: Finding[];
  errors: number;
}

export async function lintGate(
  templates: ReadonlyArray<{ file: string; text: string }>,
  options: {
    allowErrors: boolean;
    parameters?: Record<string, string>;
    trustPolicyQuota?: number;
    /** The command that lists every finding of what is linted (lint takes templates, not configs). */
    lintCommand: string;
    /** Whether line numbers point into a file the user has (not a template built in memory). */
    lines: boolean;
  },
): Promise<Gate> {
  const result = await lintSources(templates, {
    ...(options.parameters ? { parameters: options.parameters } : {}),
    ...(options.trustPolicyQuota ? { trustPolicyQuota: options.trustPolicyQuota } : {}),
  });
  const errors = result.findings.filter((f) => f.severity === "error");
  if (errors.length > 0 && !options.allowErrors) {
    const shown = errors
      .slice(0, 5)
      .map(
        (f) =>
          `  ${f.ruleId} ${f.file}${options.lines && f.line ? `:${f.line}` : ""}: ${f.message}\n    fix: ${f.fix}`,
      );
    const more =
      errors.length > 5
        ? [`  … and ${errors.length - 5} more (${options.lintCommand} shows them all)`]
        : [];
    throw new BbOidcError(
      "ERR_LINT_ERRORS",
      `not deploying: lint found ${errors.length} error${errors.length === 1 ? "" : "s"} in what would be deployed:\n${[...shown, ...more].join("\n")}`,
      {
        hint: `Fix them as each finding says (\`${options.lintCommand}\` lists every finding), or pass --allow-lint-errors to deploy anyway.`,
      },
    );
  }
  return { findings: result.findings, errors: errors.length };
}
