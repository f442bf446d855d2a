/**
 * The shapes lint works with: what was read from each file (targets), what a rule reports
 * (findings), and the rule contract. Rules see the whole set of linted files at once, so a rule
 * that needs two files (a trust policy's `aws:SourceIp` and the pipelines steps it must match)
 * is an ordinary rule.
 */
import type { PipelinesFile } from "../../bitbucket/pipelines.js";
import type { PolicyError } from "../../errors.js";
import type { CompiledPolicy } from "../../policy/index.js";
import type { StsWorld } from "../../sts/index.js";
import type { TrustFacts } from "../trust/attempts.js";
import type { ConditionView, DocPath, StatementView } from "../trust/statements.js";

export type { ConditionView, DocPath, StatementView };

export type Severity = "error" | "warning" | "note";

/** 1-based. */
export interface Position {
  line: number;
  column: number;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  file: string;
  line?: number;
  column?: number;
  /** What is wrong, concretely, naming the key and values. */
  message: string;
  /** What to write instead. */
  fix: string;
}

/**
 * Finds where a part of a policy document is written. `needle` is text to look for when the
 * document was written as one JSON string (a `Fn::Sub` block), where paths have no positions.
 */
export type Locate = (path: DocPath, needle?: string) => Position | undefined;

/** A trust policy to lint: a role of a template, or a policy file. */
export interface TrustTarget {
  file: string;
  /** For messages: `role DeployRole (deploy-web)` or the file name. */
  label: string;
  /** The role's account (a placeholder when unknown), its ARN, for synthetic requests. */
  account: string;
  roleArn: string;
  /** The resolved document; `undefined` when it could not be resolved. */
  document: unknown;
  compiled?: CompiledPolicy;
  compileError?: PolicyError;
  statements: StatementView[];
  locate: Locate;
  /** Position of the trust policy as a whole. */
  position?: Position;
  /** Parameters that had no value and were replaced by placeholders (template roles). */
  placeholders: string[];
  permissions: PermissionsView;
  /** Inputs worth trying in synthetic requests. */
  facts: TrustFacts;
  /** Client IDs of providers the same file creates, by lowercased provider URL. */
  knownClientIds: Map<string, string[]>;
  /** A one-role STS world around this policy; undefined when the policy does not compile. */
  world?: StsWorld;
}

export interface PermissionsView {
  managedPolicyArns: { arn: string; position?: Position }[];
  /** Inline and attached customer policies. */
  documents: { name: string; document: unknown; position?: Position }[];
  /** The role came from bb-oidc.yaml with `allowAdministratorAccess: true`. */
  adminOptIn: boolean;
}

export interface ProviderTarget {
  file: string;
  logicalId: string;
  url?: string;
  clientIds: string[];
  thumbprints: string[];
  position?: Position;
  locate: (property: string, index?: number) => Position | undefined;
}

/** What reading a template left unknown. */
export interface TemplateInfo {
  file: string;
  /** Parameters without a value, linted with a placeholder. */
  placeholders: { name: string; value: string; position?: Position }[];
  unresolved: { path: string; reason: string; position?: Position }[];
  /** What CloudFormation's per-stack limits count. */
  measure: { bytes: number; resources: number; outputs: number };
  /** Built by bb-oidc from bb-oidc.yaml (deploy --config splits it when it is too large). */
  generated: boolean;
  /** Roles per account the template creates (all in the placeholder account when unknown). */
  roles: number;
}

export interface LintOptions {
  /** Role trust policy length quota; 2,048 unless raised. */
  trustPolicyQuota?: number;
  /** Bitbucket egress CIDRs from Atlassian's feed, for `stale-ip-ranges`. */
  egressRanges?: readonly string[];
  /** Epoch seconds used in synthetic requests (default: a fixed instant; lint has no clock). */
  now?: number;
}

export interface LintContext {
  trusts: TrustTarget[];
  providers: ProviderTarget[];
  pipelines: PipelinesFile[];
  templates: TemplateInfo[];
  /** Notes from reading (unresolved values, placeholders), already findings. */
  options: Required<Pick<LintOptions, "trustPolicyQuota" | "now">> & LintOptions;
  /** Engine probe, memoized per target: can a token from an unrelated repository assume it? */
  probeUnrelated(target: TrustTarget): Promise<UnrelatedProbe | undefined>;
}

export interface UnrelatedProbe {
  /** The sub of the synthetic token that was allowed. */
  sub: string;
  audience: string;
  /** Index of the statement that allowed it. */
  statement: number;
  sourceIp?: string;
}

export type Report = (
  finding: Omit<Finding, "ruleId" | "severity" | "line" | "column"> & {
    position?: Position | undefined;
    severity?: Severity;
  },
) => void;

export interface LintRule {
  id: string;
  severity: Severity;
  /** One line: what the rule finds. */
  description: string;
  /** Why it matters and what to do, for SARIF `help` and `--explain`. */
  help: string;
  check(ctx: LintContext, report: Report): void | Promise<void>;
}
