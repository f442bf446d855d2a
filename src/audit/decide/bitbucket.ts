/**
 * Bitbucket providers: which repositories and environments of the workspace can assume a role,
 * from who-can's matrix (synthetic tokens through the STS decision), one provider at a time so
 * each workspace gets its own answer. A provider the account lacks is not assumed to exist.
 */
import { parseIssuer } from "../../bitbucket/index.js";
import type { CompiledPolicy } from "../../policy/index.js";
import { type TrustFacts, whoCan } from "../../provision/who-can/index.js";
import type { StsWorld } from "../../sts/index.js";
import { issuerKind } from "../issuers.js";
import type { LiveRole, ProviderInfo } from "../types.js";
import { askWithSubject, subConditions, subjectSamples } from "./candidates.js";
import { decidingPartOf, type IssuerOutcome } from "./outcome.js";

function workspaceOf(url: string): string {
  return parseIssuer(`https://${url}`)?.workspace ?? url;
}

export async function decideBitbucket(
  role: LiveRole,
  compiled: CompiledPolicy,
  provider: ProviderInfo,
  facts: TrustFacts,
  /** Built only when who-can's matrix lets nobody in (who-can builds its own from `compiled`). */
  world: () => StsWorld,
  now: number,
): Promise<IssuerOutcome> {
  const kind = issuerKind(provider.url);
  const workspace = workspaceOf(provider.url);
  const matrix = await whoCan({
    roles: [
      {
        name: role.name,
        account: role.account,
        roleArn: role.arn,
        trustPolicy: role.trustPolicy,
        compiledTrust: compiled,
        maxSessionDuration: role.maxSessionDuration,
      },
    ],
    providers: [{ account: role.account, url: provider.url, clientIds: provider.clientIds }],
    now,
    assumeMissingProviders: false,
  });
  const other = matrix.rows.findIndex((r) => r.otherRepository);
  const otherCell = matrix.cells[other]![0]!;
  if (otherCell.allowed) {
    return {
      kind,
      url: provider.url,
      reach: "owner",
      who: [`any repository of Bitbucket workspace ${workspace}`],
      exposure: {
        subject: matrix.rows[other]!.repository,
        ...(otherCell.statement === undefined ? {} : { statement: otherCell.statement }),
        ...(otherCell.audience ? { audience: otherCell.audience } : {}),
        ...(otherCell.sourceIp ? { sourceIp: otherCell.sourceIp } : {}),
      },
    };
  }
  const who: string[] = [];
  matrix.rows.forEach((r, i) => {
    if (i === other || !matrix.cells[i]![0]!.allowed) return;
    who.push(
      r.environment
        ? `repository ${r.repository}, deployment environment ${r.environment} (workspace ${workspace})`
        : `repository ${r.repository} (workspace ${workspace})`,
    );
  });
  if (who.length > 0) return { kind, url: provider.url, reach: "scoped", who };

  // No row got in. Before calling the role dead, try a token carrying each written sub pattern.
  const samples = subjectSamples(subConditions(role.trustPolicy, provider.url));
  let denial: IssuerOutcome["denial"];
  for (const { sample, pattern } of samples) {
    const answer = await askWithSubject(world(), role.arn, provider, facts, sample, now);
    if (answer?.decision.ok) {
      return {
        kind,
        url: provider.url,
        reach: "scoped",
        who: [`steps whose sub matches "${pattern}" (workspace ${workspace})`],
      };
    }
    if (answer && !denial) {
      const deciding = decidingPartOf(answer.decision);
      denial = { reason: answer.decision.reason, ...(deciding ? { deciding } : {}) };
    }
  }
  if (!denial) {
    const answer = await askWithSubject(
      world(),
      role.arn,
      provider,
      facts,
      `${matrix.rows[0]!.repository}:{00000000-0000-4000-8000-000000000001}`,
      now,
    );
    const reason = answer?.decision.reason ?? otherCell.reason ?? "no token is allowed";
    const deciding = answer ? decidingPartOf(answer.decision) : undefined;
    denial = { reason, ...(deciding ? { deciding } : {}) };
  }
  return { kind, url: provider.url, reach: "none", who: [], denial };
}
