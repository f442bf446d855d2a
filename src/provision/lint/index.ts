/**
 * `bb-oidc lint`: CloudFormation templates, trust policies and bitbucket-pipelines.yml, checked
 * by stable rules; "who could assume this role" is always asked of the STS decision.
 */

export { PLACEHOLDER_ACCOUNT } from "../reader/placeholders.js";
export { detectKind, type FileKind } from "./detect-kind.js";
export { formatJson } from "./format/json.js";
export {
  artifactUri,
  formatSarif,
  SARIF_SCHEMA,
  SARIF_VERSION,
  type SarifTool,
  sarifRuleDescriptor,
  toSarif,
} from "./format/sarif.js";
export { formatText } from "./format/text.js";
export { RULES } from "./rules/index.js";
export {
  type LintResult,
  type LintRunOptions,
  type LintSource,
  type LintSummary,
  lintSources,
} from "./run-lint.js";
export type { Finding, LintRule, Severity } from "./types.js";
