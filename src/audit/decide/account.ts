/**
 * One account's roles, decided: who can assume each (the engine, through who-can for Bitbucket
 * and issuer probes for the rest), what each may do, and the findings that follow, ranked by
 * reachability × blast radius.
 */
import { PolicyError } from "../../errors.js";
import type { CompiledPolicy } from "../../policy/index.js";
import type { TrustTarget } from "../../provision/lint/types.js";
import {
  parseProviderArn,
  statementViews,
  webIdentityAllows,
} from "../../provision/trust/statements.js";
import { NO_KEYS } from "../../provision/trust/synthetic.js";
import { trustFacts } from "../../provision/who-can/index.js";
import { type StsWorld, staticWorld } from "../../sts/index.js";
import { blastRadius } from "../blast-radius.js";
import { issuerKind } from "../issuers.js";
import { exposureSeverity, fromLintSeverity } from "../severity.js";
import type {
  AuditedRole,
  AuditFinding,
  BlastRadius,
  DecidingPart,
  LiveRole,
  ProviderInfo,
  Reach,
} from "../types.js";
import { decideBitbucket } from "./bitbucket.js";
import { subConditions } from "./candidates.js";
import { compileTrust } from "./compile-trust.js";
import { type LintHit, lintLiveRoles, liveTrustTarget } from "./lint-bridge.js";
import { type IssuerOutcome, widest } from "./outcome.js";
import { probeIssuer } from "./probe.js";

export interface AccountInput {
  account: string;
  roles: readonly LiveRole[];
  providers: readonly ProviderInfo[];
  /** Epoch seconds: the instant synthetic tokens are valid at (date conditions see it). */
  now: number;
  egressRanges?: readonly string[];
  /** A reachable role unused this long is reported (RoleLastUsed). */
  unusedDays: number;
}

export interface AccountDecision {
  roles: AuditedRole[];
  findings: AuditFinding[];
}

/**
 * Whether a role trusts a federated OIDC principal (whatever the action: one with sts:AssumeRole
 * only is a broken OIDC role, and reported), or any principal for web identity.
 */
export function trustsOidc(trustPolicy: unknown): boolean {
  const views = statementViews(trustPolicy);
  return (
    views.some(
      (s) => s.effect === "Allow" && s.federated.some((f) => parseProviderArn(f) !== undefined),
    ) || webIdentityAllows(views).some((s) => s.anyPrincipal)
  );
}

interface Trusted {
  present: ProviderInfo[];
  /** Same-account providers the policy names that the account does not have. */
  missing: { arn: string; statement: number }[];
}

function trustedProviders(role: LiveRole, providers: readonly ProviderInfo[]): Trusted {
  const byUrl = new Map(providers.map((p) => [p.url.toLowerCase(), p]));
  const present = new Map<string, ProviderInfo>();
  const missing: Trusted["missing"] = [];
  // Every Allow naming a provider, whatever its action: the engine says whether it admits tokens.
  const statements = statementViews(role.trustPolicy).filter(
    (s) => s.effect === "Allow" && (s.federated.length > 0 || (s.anyPrincipal && s.webIdentity)),
  );
  for (const s of statements) {
    if (s.anyPrincipal && s.webIdentity) for (const p of providers) present.set(p.arn, p);
    for (const f of s.federated) {
      const parsed = parseProviderArn(f);
      if (!parsed || parsed.account !== role.account) continue;
      const p = byUrl.get(parsed.url.toLowerCase());
      if (p) present.set(p.arn, p);
      else if (!missing.some((m) => m.arn === f)) missing.push({ arn: f, statement: s.index });
    }
  }
  return { present: [...present.values()], missing };
}

function worldFor(
  role: LiveRole,
  compiled: CompiledPolicy,
  providers: readonly ProviderInfo[],
): StsWorld {
  return staticWorld({
    keys: NO_KEYS,
    providers: providers.map((p) => ({
      account: role.account,
      url: p.url,
      clientIds: p.clientIds,
    })),
    roles: [
      {
        arn: role.arn,
        trustPolicy: role.trustPolicy,
        compiled,
        maxSessionDuration: role.maxSessionDuration,
      },
    ],
  });
}

function describeSubConditions(
  role: LiveRole,
  url: string,
  statement: number | undefined,
): {
  condition: string;
  deciding?: DecidingPart;
} {
  const conditions = subConditions(role.trustPolicy, url).filter(
    (c) => statement === undefined || c.statement === statement,
  );
  if (conditions.length === 0) {
    return {
      condition: `no condition on ${url}:sub`,
      ...(statement === undefined ? {} : { deciding: { statement } }),
    };
  }
  const c = conditions[0]!;
  return {
    condition: conditions
      .map((x) => `${x.operator} ${x.key} ${JSON.stringify(x.values)}`)
      .join("; "),
    deciding: { statement: c.statement, operator: c.operator, key: c.key },
  };
}

function blastText(blast: BlastRadius): string {
  const why = blast.reasons.length > 0 ? ` (${blast.reasons.join("; ")})` : "";
  switch (blast.level) {
    case "admin":
      return `It has full administrator access${why}.`;
    case "power":
      return `It has broad permissions${why}.`;
    case "limited":
      return "Its permissions are limited.";
    default:
      return "It has no permissions attached.";
  }
}

function exposureFinding(role: LiveRole, o: IssuerOutcome, blast: BlastRadius): AuditFinding {
  const e = o.exposure!;
  const { condition, deciding } = describeSubConditions(role, o.url, e.statement);
  const by = e.statement === undefined ? "" : ` by statement ${e.statement}`;
  const base = {
    severity: exposureSeverity(o.reach, blast.level),
    account: role.account,
    role: role.name,
    roleArn: role.arn,
    who: o.who.join("; "),
    condition,
    blastRadius: blast.level,
    ...(deciding ? { deciding } : {}),
  };
  if (o.kind.decidedByWhoCan) {
    return {
      ...base,
      ruleId: "no-subject-condition",
      message: `${o.who[0]} can assume role ${role.name}: a token from a repository no condition names (sub "${e.subject}:…") is allowed${by}. ${blastText(blast)}`,
      fix: `Add "StringLike": {"${o.url}:sub": "{REPOSITORY-UUID}:*"} (or "{REPOSITORY-UUID}:{ENVIRONMENT-UUID}:*" for one deployment environment) to statement ${e.statement ?? 0}.`,
    };
  }
  const owner =
    o.kind.ownerFromUrl?.(o.url) ??
    subConditions(role.trustPolicy, o.url).flatMap((c) =>
      c.values.flatMap((v) => o.kind.ownersIn(v)),
    )[0] ??
    `<${o.kind.ownerNoun}>`;
  const lookalike = e.lookalike
    ? ` The ${o.kind.ownerNoun} name is matched as a prefix: anyone can create ${o.kind.ownerNoun} "${e.lookalike}".`
    : "";
  return {
    ...base,
    ruleId: o.reach === "platform" ? "platform-wide-subject" : "owner-wide-subject",
    message: `${o.who[0]} can assume role ${role.name}: a token from ${o.kind.name} with sub "${e.subject}"${e.audience ? ` (aud "${e.audience}")` : ""} is allowed${by}.${lookalike} ${blastText(blast)}`,
    fix: `Restrict ${o.url}:sub with "StringLike" (or "StringEquals") to the exact ${o.kind.units} and refs, e.g. "${o.kind.exampleSub(owner)}"${o.kind.id === "other" ? "" : ` (${o.kind.name} sub format: ${o.kind.subjectFormat})`}.`,
  };
}

function daysBetween(fromIso: string, nowSeconds: number): number {
  return Math.floor((nowSeconds * 1000 - Date.parse(fromIso)) / 86_400_000);
}

function unusedFinding(
  role: LiveRole,
  reach: Reach,
  blast: BlastRadius,
  now: number,
  days: number,
): AuditFinding | undefined {
  if (!role.lastUsedKnown || reach === "none" || reach === "unknown") return undefined;
  let message: string;
  if (role.lastUsed) {
    const age = daysBetween(role.lastUsed, now);
    if (age < days) return undefined;
    message = `role ${role.name} was last used ${age} days ago (${role.lastUsed.slice(0, 10)}${role.lastUsedRegion ? `, ${role.lastUsedRegion}` : ""}), yet it can still be assumed.`;
  } else {
    if (role.createDate && daysBetween(role.createDate, now) < days) return undefined;
    message = `role ${role.name} has no recorded use (IAM tracks the last 400 days${role.createDate ? `; created ${role.createDate.slice(0, 10)}` : ""}), yet it can still be assumed.`;
  }
  return {
    ruleId: "role-unused",
    severity: blast.level === "admin" || blast.level === "power" ? "low" : "info",
    account: role.account,
    role: role.name,
    roleArn: role.arn,
    message,
    blastRadius: blast.level,
    fix: "Delete the role if no pipeline needs it any more, or tighten its trust to the one that does.",
  };
}

/** Who can assume `role` through each provider it trusts, and the widest reach of them. */
async function askEngine(
  role: LiveRole,
  compiled: CompiledPolicy,
  providers: readonly ProviderInfo[],
  now: number,
): Promise<{ reach: Reach; outcomes: IssuerOutcome[] }> {
  if (providers.length === 0) return { reach: "none", outcomes: [] };
  // Built when first needed: a Bitbucket role who-can scopes never needs it.
  let world: StsWorld | undefined;
  const getWorld = () => {
    world ??= worldFor(role, compiled, providers);
    return world;
  };
  const facts = trustFacts(role.trustPolicy);
  const outcomes: IssuerOutcome[] = [];
  let reach: Reach = "none";
  for (const p of providers) {
    let o: IssuerOutcome;
    try {
      o = issuerKind(p.url).decidedByWhoCan
        ? await decideBitbucket(role, compiled, p, facts, getWorld, now)
        : await probeIssuer(role, p, facts, getWorld(), now);
    } catch (err) {
      if (err instanceof PolicyError) return { reach: "unknown", outcomes: [] };
      throw err;
    }
    outcomes.push(o);
    reach = widest(reach, o.reach);
  }
  return { reach, outcomes };
}

export async function decideAccount(input: AccountInput): Promise<AccountDecision> {
  const findings: AuditFinding[] = [];
  const roles: AuditedRole[] = [];
  const bitbucketTargets: TrustTarget[] = [];
  const otherTargets: TrustTarget[] = [];
  const reachOf = new Map<string, { reach: Reach; blast: BlastRadius; role: LiveRole }>();

  for (const role of input.roles) {
    const compiled = compileTrust(role.trustPolicy);
    const target = liveTrustTarget(role, input.providers, compiled);
    const trusted = trustedProviders(role, input.providers);
    const blast = blastRadius(role);
    const { reach, outcomes } =
      compiled instanceof PolicyError
        ? { reach: "unknown" as Reach, outcomes: [] }
        : await askEngine(role, compiled, trusted.present, input.now);
    const isBitbucket =
      trusted.present.some((p) => issuerKind(p.url).decidedByWhoCan) ||
      (trusted.present.length === 0 &&
        trusted.missing.some((m) => issuerKind(parseProviderArn(m.arn)!.url).decidedByWhoCan));
    (isBitbucket ? bitbucketTargets : otherTargets).push(target);
    reachOf.set(role.arn, { reach, blast, role });

    const mine: AuditFinding[] = [];
    for (const o of outcomes) if (o.exposure) mine.push(exposureFinding(role, o, blast));
    for (const m of trusted.missing) {
      mine.push({
        ruleId: "oidc-provider-missing",
        severity: "low",
        account: role.account,
        role: role.name,
        roleArn: role.arn,
        message: `role ${role.name}: statement ${m.statement} trusts ${m.arn}, which does not exist in account ${role.account}; STS refuses every token for it ("No OpenIDConnect provider found in your account").`,
        condition: `Principal.Federated ${m.arn}`,
        deciding: { statement: m.statement },
        fix: "Create the provider in this account (bb-oidc template + deploy), or remove the statement.",
      });
    }
    if (reach === "none") {
      const denial = outcomes.find((o) => o.denial)?.denial;
      const reason =
        denial?.reason ??
        (trusted.missing.length > 0
          ? `its OIDC provider${trusted.missing.length > 1 ? "s do" : " does"} not exist in account ${role.account}`
          : "it trusts no OIDC provider of this account");
      mine.push({
        ruleId: "unassumable-role",
        severity: "low",
        account: role.account,
        role: role.name,
        roleArn: role.arn,
        message: `no token can assume role ${role.name}: ${reason}.`,
        condition: reason,
        ...(denial?.deciding ? { deciding: denial.deciding } : {}),
        blastRadius: blast.level,
        fix: "Correct the condition named (or the provider), or delete the role if nothing uses it.",
      });
    }
    const unused = unusedFinding(role, reach, blast, input.now, input.unusedDays);
    if (unused) mine.push(unused);
    findings.push(...mine);

    roles.push({
      account: role.account,
      name: role.name,
      arn: role.arn,
      issuers: [
        ...new Set(
          [
            ...trusted.present,
            ...trusted.missing.map((m) => ({ url: parseProviderArn(m.arn)!.url })),
          ].map((p) => issuerKind(p.url).id),
        ),
      ],
      reach,
      who: outcomes.flatMap((o) => o.who),
      blast,
      ...(role.lastUsed ? { lastUsed: role.lastUsed } : {}),
      deciding: [],
    });
  }

  const hits = await lintLiveRoles({
    bitbucket: bitbucketTargets,
    other: otherTargets,
    providers: input.providers,
    now: input.now,
    ...(input.egressRanges ? { egressRanges: input.egressRanges } : {}),
  });
  for (const h of hits) findings.push(lintFinding(h, input.account, reachOf));
  // Administrator one call later (iam:* or IAM policy writes on *, IAMFullAccess): lint's
  // admin-access names only AdministratorAccess and "*" on "*".
  const named = new Set(hits.filter((h) => h.ruleId === "admin-access").map((h) => h.roleArn));
  for (const { reach, blast, role } of reachOf.values()) {
    if (blast.level !== "admin" || named.has(role.arn)) continue;
    findings.push({
      ruleId: "iam-escalation",
      severity: exposureSeverity(reach, "admin"),
      account: role.account,
      role: role.name,
      roleArn: role.arn,
      blastRadius: "admin",
      message: `role ${role.name} can change IAM permissions on any resource (${blast.reasons.join("; ")}): a pipeline step that assumes it can make itself administrator of account ${role.account}.`,
      fix: `Limit the IAM actions to the roles and policies the pipeline manages (e.g. "Resource": "arn:aws:iam::${role.account}:role/app-*"), and require a permissions boundary on what it creates (condition iam:PermissionsBoundary).`,
    });
  }

  // Findings point at the part of the trust policy that decided; the report shows it.
  const byArn = new Map(roles.map((r) => [r.arn, r]));
  for (const f of findings) {
    const r = f.roleArn ? byArn.get(f.roleArn) : undefined;
    if (!r) continue;
    if (f.who === undefined && r.who.length > 0) f.who = r.who.join("; ");
    if (f.who === undefined && r.reach === "none") f.who = "nobody (no token passes)";
    r.trustPolicy = reachOf.get(r.arn)!.role.trustPolicy;
    if (f.deciding && !r.deciding.some((d) => sameDeciding(d, f.deciding!)))
      r.deciding.push(f.deciding);
  }
  return { roles, findings };
}

function sameDeciding(a: DecidingPart, b: DecidingPart): boolean {
  return a.statement === b.statement && a.operator === b.operator && a.key === b.key;
}

function lintFinding(
  h: LintHit,
  account: string,
  reachOf: Map<string, { reach: Reach; blast: BlastRadius; role: LiveRole }>,
): AuditFinding {
  const r = reachOf.get(h.roleArn);
  const severity =
    h.ruleId === "admin-access" && r
      ? exposureSeverity(r.reach, "admin")
      : fromLintSeverity(h.severity);
  return {
    ruleId: h.ruleId,
    severity,
    account,
    ...(r ? { role: r.role.name, roleArn: h.roleArn, blastRadius: r.blast.level } : {}),
    ...(h.deciding ? { deciding: h.deciding } : {}),
    ...(h.deciding?.key ? { condition: `${h.deciding.operator} ${h.deciding.key}` } : {}),
    message: h.message,
    fix: h.fix,
  };
}
