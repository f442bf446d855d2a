/**
 * Loads and validates `bb-oidc.yaml` with the field table (fields.ts): each rule says what is
 * expected in the user's terms, and every problem is reported with its `file:line:column` and
 * field path in one `ConfigError`.
 */
import { parseLocatedYaml } from "../reader/located-yaml.js";
import { Checker } from "./checker.js";
import { ConfigError, type ConfigProblem } from "./config-error.js";
import { configSection } from "./fields.js";
import type { BbOidcConfig } from "./types.js";

export { ADMIN_OPT_IN_FIELD, BITBUCKET_EGRESS } from "./fields.js";

export function loadConfig(text: string, sourceName: string): BbOidcConfig {
  const doc = parseLocatedYaml(text, sourceName);
  const check = new Checker(doc.locations);
  for (const p of doc.problems)
    check.report(p.path, p.message, p.position ? { position: p.position } : {});
  if (doc.problems.length > 0) throw new ConfigError(sourceName, check.problems);
  if (doc.value === null || doc.value === undefined) {
    check.report([], "the file is empty; it needs at least workspace, provider and roles");
    throw new ConfigError(sourceName, check.problems);
  }
  const config = configSection().check(check, doc.value, []);
  if (check.problems.length > 0 || !config)
    throw new ConfigError(sourceName, inFileOrder(check.problems));
  return config;
}

/** Top to bottom, as an editor shows them (the sort is stable for problems at the same place). */
function inFileOrder(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}
