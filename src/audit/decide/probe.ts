/**
 * Providers of other issuers (GitHub Actions, GitLab, HCP Terraform, CircleCI, any other): tokens
 * with subjects built from the issuer's documented `sub` format (issuers.ts) go through the STS
 * decision, widest first — a repository of an owner nobody named (any repository on the
 * platform), a lookalike of a named owner, another repository of a named owner — then a token
 * carrying each written pattern. The first tier that gets in is the role's reach.
 */
import { createHash } from "node:crypto";
import type { TrustFacts } from "../../provision/who-can/index.js";
import type { StsWorld } from "../../sts/index.js";
import { issuerKind } from "../issuers.js";
import type { LiveRole, ProviderInfo } from "../types.js";
import { askWithSubject, subConditions, subjectSamples } from "./candidates.js";
import { decidingPartOf, type IssuerOutcome } from "./outcome.js";

interface Probe {
  subject: string;
  reach: "platform" | "owner" | "scoped";
  who: string;
  lookalike?: string;
}

function probesFor(role: LiveRole, provider: ProviderInfo): Probe[] {
  const kind = issuerKind(provider.url);
  const conditions = subConditions(role.trustPolicy, provider.url);
  const owners = [
    ...new Set([
      ...(kind.ownerFromUrl?.(provider.url) ? [kind.ownerFromUrl(provider.url)!] : []),
      ...conditions.flatMap((c) => c.values.flatMap((v) => kind.ownersIn(v))),
    ]),
  ];
  const seed = createHash("sha256")
    .update(JSON.stringify(role.trustPolicy))
    .digest("hex")
    .slice(0, 8);
  const stranger = `bb-oidc-probe-${seed}`;
  const unit = `probe-${seed}`;
  const probes: Probe[] = [];
  if (kind.multiTenant(provider.url)) {
    for (const subject of kind.subjects(stranger, unit)) {
      probes.push({ subject, reach: "platform", who: `any ${kind.unit} on ${kind.name}` });
    }
    for (const o of owners) {
      const lookalike = `${o}-bb-oidc-probe`;
      for (const subject of kind.subjects(lookalike, unit)) {
        probes.push({
          subject,
          reach: "platform",
          lookalike,
          who: `any ${kind.unit} of any ${kind.ownerNoun} whose name starts with "${o}" on ${kind.name}`,
        });
      }
    }
  } else if (owners.length === 0) {
    for (const subject of kind.subjects(stranger, unit)) {
      probes.push({
        subject,
        reach: "owner",
        who: `any ${kind.unit} the issuer ${provider.url} signs tokens for`,
      });
    }
  }
  for (const o of owners) {
    for (const subject of kind.subjects(o, unit)) {
      probes.push({
        subject,
        reach: "owner",
        who: `any ${kind.unit} of ${kind.ownerNoun} ${o} (${kind.name})`,
      });
    }
  }
  for (const { sample, pattern } of subjectSamples(conditions)) {
    probes.push({
      subject: sample,
      reach: "scoped",
      who: `workloads whose sub matches "${pattern}" (${kind.name})`,
    });
  }
  return probes;
}

export async function probeIssuer(
  role: LiveRole,
  provider: ProviderInfo,
  facts: TrustFacts,
  world: StsWorld,
  now: number,
): Promise<IssuerOutcome> {
  const kind = issuerKind(provider.url);
  const probes = probesFor(role, provider);
  let denial: IssuerOutcome["denial"];
  const who: string[] = [];
  for (const p of probes) {
    const answer = await askWithSubject(world, role.arn, provider, facts, p.subject, now);
    if (!answer) continue;
    if (answer.decision.ok) {
      if (p.reach === "scoped") {
        if (!who.includes(p.who)) who.push(p.who);
        continue;
      }
      const deciding = decidingPartOf(answer.decision);
      return {
        kind,
        url: provider.url,
        reach: p.reach,
        who: [p.who],
        exposure: {
          subject: p.subject,
          audience: answer.decision.audience,
          ...(deciding ? { statement: deciding.statement } : {}),
          ...(answer.attempt.sourceIp ? { sourceIp: answer.attempt.sourceIp } : {}),
          ...(p.lookalike ? { lookalike: p.lookalike } : {}),
        },
      };
    }
    // The most specific refusal explains a dead role best: keep the last one seen.
    const deciding = decidingPartOf(answer.decision);
    denial = { reason: answer.decision.reason, ...(deciding ? { deciding } : {}) };
  }
  if (who.length > 0) return { kind, url: provider.url, reach: "scoped", who };
  return {
    kind,
    url: provider.url,
    reach: "none",
    who: [],
    denial: denial ?? { reason: "the provider has no client ID a token could carry" },
  };
}
