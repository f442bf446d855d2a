/**
 * Lint: read every file (its kind decided by content), then run every rule over all of them at
 * once. Each trust policy is compiled once (in its target's STS world); each rule walks the
 * targets once, so the cost grows with the number of roles, not its square.
 */
import { type PipelinesFile, readPipelines } from "../../bitbucket/pipelines.js";
import { DEFAULT_TRUST_POLICY_QUOTA } from "../template/index.js";
import { SYNTHETIC_NOW } from "../trust/synthetic.js";
import { detectKind, type FileKind } from "./detect-kind.js";
import { loadPolicyFile } from "./load-policy.js";
import { loadTemplate } from "./load-template.js";
import { probeUnrelated } from "./probe.js";
import { RULES } from "./rules/index.js";
import type {
  Finding,
  LintContext,
  LintOptions,
  LintRule,
  ProviderTarget,
  Severity,
  TemplateInfo,
  TrustTarget,
  UnrelatedProbe,
} from "./types.js";

export interface LintSource {
  /** As the user named it; findings carry it. */
  file: string;
  text: string;
}

export interface LintSummary {
  files: number;
  errors: number;
  warnings: number;
  notes: number;
}

export interface LintResult {
  findings: Finding[];
  summary: LintSummary;
  /** Each template's counts against CloudFormation's and IAM's limits. */
  templates: Array<Pick<TemplateInfo, "file" | "measure" | "roles" | "generated">>;
  /** The kind each file was read as. */
  kinds: Record<string, FileKind>;
}

export interface LintRunOptions extends LintOptions {
  /** Template parameter values (`--parameter K=V`), for every template linted. */
  parameters?: Readonly<Record<string, string>>;
  /** Rules to run (default: all). */
  rules?: readonly LintRule[];
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

export async function lintSources(
  sources: readonly LintSource[],
  options: LintRunOptions = {},
): Promise<LintResult> {
  const trusts: TrustTarget[] = [];
  const providers: ProviderTarget[] = [];
  const pipelines: PipelinesFile[] = [];
  const templates: TemplateInfo[] = [];
  const kinds: Record<string, FileKind> = {};
  for (const { file, text } of sources) {
    const kind = detectKind(text, file);
    kinds[file] = kind;
    if (kind === "template") {
      const t = loadTemplate(text, file, options.parameters ?? {});
      trusts.push(...t.trusts);
      providers.push(...t.providers);
      templates.push(t.info);
    } else if (kind === "policy") {
      trusts.push(loadPolicyFile(text, file));
    } else {
      pipelines.push(readPipelines(text, file));
    }
  }

  const now = options.now ?? SYNTHETIC_NOW;
  const probes = new Map<TrustTarget, Promise<UnrelatedProbe | undefined>>();
  const ctx: LintContext = {
    trusts,
    providers,
    pipelines,
    templates,
    options: {
      ...options,
      trustPolicyQuota: options.trustPolicyQuota ?? DEFAULT_TRUST_POLICY_QUOTA,
      now,
    },
    probeUnrelated(t) {
      let p = probes.get(t);
      if (!p) {
        p = probeUnrelated(t, now);
        probes.set(t, p);
      }
      return p;
    },
  };

  const findings: Finding[] = [];
  for (const rule of options.rules ?? RULES) {
    await rule.check(ctx, (f) => {
      const finding: Finding = {
        ruleId: rule.id,
        severity: f.severity ?? rule.severity,
        file: f.file,
        ...(f.position ? { line: f.position.line, column: f.position.column } : {}),
        message: readable(f.message),
        fix: readable(f.fix),
      };
      findings.push(finding);
    });
  }
  const sorted = sortFindings(findings, sources);
  return {
    findings: sorted,
    summary: summarize(sorted, sources.length),
    templates: templates.map(({ file, measure, roles, generated }) => ({
      file,
      measure,
      roles,
      generated,
    })),
    kinds,
  };
}

function sortFindings(findings: Finding[], sources: readonly LintSource[]): Finding[] {
  const order = new Map(sources.map((s, i) => [s.file, i]));
  const seen = new Set<string>();
  return findings
    .filter((f) => {
      const key = `${f.ruleId}\0${f.file}\0${f.line}\0${f.column}\0${f.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(
      (a, b) =>
        (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) ||
        (a.line ?? 0) - (b.line ?? 0) ||
        (a.column ?? 0) - (b.column ?? 0) ||
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
        a.ruleId.localeCompare(b.ruleId),
    );
}

function summarize(findings: readonly Finding[], files: number): LintSummary {
  const s: LintSummary = { files, errors: 0, warnings: 0, notes: 0 };
  for (const f of findings) {
    if (f.severity === "error") s.errors++;
    else if (f.severity === "warning") s.warnings++;
    else s.notes++;
  }
  return s;
}

/** Placeholders read as the parameter reference a template author would write: `${Name}`. */
function readable(text: string): string {
  return text.replace(/<param:([A-Za-z0-9]+)>/g, "$${$1}");
}
