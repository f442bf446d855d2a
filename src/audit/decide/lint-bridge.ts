/**
 * The lint rules that judge a trust policy or a role's permissions, run on live roles: same rule
 * IDs, same messages, same fixes as `bb-oidc lint` gives for a template. Rules about files
 * (pipelines, template parameters) or about what IAM already refused (size, thumbprint format)
 * do not apply to roles IAM stores; `no-subject-condition` is decided by the audit's own who-can
 * pass, under the same ID. Rules written for Bitbucket tokens run on Bitbucket roles only.
 */
import type { PolicyError } from "../../errors.js";
import type { CompiledPolicy } from "../../policy/index.js";
import { RULES } from "../../provision/lint/rules/index.js";
import { makeTrustTarget } from "../../provision/lint/trust-target.js";
import type {
  LintContext,
  LintRule,
  Locate,
  Position,
  ProviderTarget,
  Severity,
  TrustTarget,
} from "../../provision/lint/types.js";
import type { DocPath } from "../../provision/trust/statements.js";
import type { DecidingPart, LiveRole, ProviderInfo } from "../types.js";

/** Rules that never apply to a live role. */
const NOT_FOR_LIVE_ROLES = new Set([
  "no-subject-condition",
  "trust-policy-too-large",
  "thumbprint-format",
  "provider-url-format",
  "oidc-flag-missing",
  "token-file-not-written",
  "static-aws-keys",
  "misspelled-oidc-variable",
  "parameter-placeholder",
  "unresolved-value",
  "audience-not-bitbucket-default",
]);

/** Rules whose wording and logic hold for any issuer. */
const ANY_ISSUER = new Set([
  "malformed-trust-policy",
  "no-audience-condition",
  "wildcard-in-string-equals",
  "condition-key-provider-mismatch",
  "federated-provider-other-account",
  "admin-access",
  "set-operator-on-single-valued-claim",
  "action-principal-mismatch",
  "unresolved-placeholder",
]);

export const LIVE_RULES: readonly LintRule[] = RULES.filter((r) => !NOT_FOR_LIVE_ROLES.has(r.id));

export function lintRule(id: string): LintRule | undefined {
  return RULES.find((r) => r.id === id);
}

export interface LintHit {
  ruleId: string;
  severity: Severity;
  roleArn: string;
  message: string;
  fix: string;
  /** The statement or condition the rule pointed at. */
  deciding?: DecidingPart;
}

const NOWHERE = () => undefined;

/**
 * Live roles have no file to point into; a rule's "where" is kept as the document path it asked
 * for instead (by the identity of the position handed back), so the report can mark the part.
 */
const PATHS = new WeakMap<Position, DocPath>();
const recordPath: Locate = (path) => {
  const at: Position = { line: 0, column: 0 };
  PATHS.set(at, path);
  return at;
};

/** `["Statement", 0, "Condition", op, key]` (or without the index for a lone statement). */
function decidingOf(path: DocPath | undefined): DecidingPart | undefined {
  if (path?.[0] !== "Statement") return undefined;
  const statement = typeof path[1] === "number" ? path[1] : 0;
  const c = path.indexOf("Condition");
  if (c > 0 && typeof path[c + 1] === "string" && typeof path[c + 2] === "string") {
    return { statement, operator: path[c + 1] as string, key: path[c + 2] as string };
  }
  return { statement };
}

export function liveTrustTarget(
  role: LiveRole,
  providers: readonly ProviderInfo[],
  compiled: CompiledPolicy | PolicyError,
): TrustTarget {
  const knownClientIds = new Map(providers.map((p) => [p.url.toLowerCase(), p.clientIds]));
  return makeTrustTarget({
    compiled,
    file: role.arn,
    label: `role ${role.name}`,
    account: role.account,
    roleArn: role.arn,
    roleName: role.name,
    document: role.trustPolicy,
    locate: recordPath,
    knownClientIds,
    permissions: {
      managedPolicyArns: role.attachedPolicies.map((p) => ({ arn: p.arn })),
      documents: [
        ...role.inlinePolicies.map((p) => ({ name: p.name, document: p.document })),
        ...role.attachedPolicies
          .filter((p) => role.managedDocuments.has(p.arn))
          .map((p) => ({ name: p.name, document: role.managedDocuments.get(p.arn) })),
      ],
      adminOptIn: false,
    },
  });
}

function providerTarget(p: ProviderInfo): ProviderTarget {
  return {
    file: p.arn,
    logicalId: p.arn,
    url: `https://${p.url}`,
    clientIds: p.clientIds,
    thumbprints: p.thumbprints,
    locate: NOWHERE,
  };
}

/**
 * Runs the live rules over one account's roles: `bitbucket` targets get every live rule, `other`
 * targets the issuer-neutral ones.
 */
export async function lintLiveRoles(input: {
  bitbucket: TrustTarget[];
  other: TrustTarget[];
  providers: readonly ProviderInfo[];
  now: number;
  egressRanges?: readonly string[];
}): Promise<LintHit[]> {
  const hits: LintHit[] = [];
  const run = async (trusts: TrustTarget[], rules: readonly LintRule[], withProviders: boolean) => {
    if (trusts.length === 0) return;
    const ctx: LintContext = {
      trusts,
      providers: withProviders ? input.providers.map(providerTarget) : [],
      pipelines: [],
      templates: [],
      options: {
        trustPolicyQuota: Number.MAX_SAFE_INTEGER,
        now: input.now,
        ...(input.egressRanges ? { egressRanges: input.egressRanges } : {}),
      },
      // Only no-subject-condition probes, and it is not among the live rules.
      probeUnrelated: async () => undefined,
    };
    for (const rule of rules) {
      await rule.check(ctx, (f) => {
        // Provider findings name the provider; they belong to every role trusting it.
        const deciding = decidingOf(f.position && PATHS.get(f.position));
        hits.push({
          ruleId: rule.id,
          severity: f.severity ?? rule.severity,
          roleArn: f.file,
          message: f.message,
          fix: f.fix,
          ...(deciding ? { deciding } : {}),
        });
      });
    }
  };
  await run(input.bitbucket, LIVE_RULES, true);
  await run(
    input.other,
    LIVE_RULES.filter((r) => ANY_ISSUER.has(r.id)),
    false,
  );
  return hits;
}
