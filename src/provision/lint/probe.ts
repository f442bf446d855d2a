/**
 * "Could a repository this policy never mentions assume the role?" asked of the STS decision with
 * synthetic tokens: one from a step, one from a deployment step. Allowed means the role is open to
 * every repository of the workspace (docs/aws-behaviour.md "Tokens and claims": only `sub` tells repositories apart).
 */
import { attemptsFor } from "../trust/attempts.js";
import { askUntilAllowed, fallbackAudience, syntheticUuid } from "../trust/synthetic.js";
import type { TrustTarget, UnrelatedProbe } from "./types.js";

export async function probeUnrelated(
  t: TrustTarget,
  now: number,
): Promise<UnrelatedProbe | undefined> {
  if (!t.world || !t.compiled) return undefined;
  const text = JSON.stringify(t.document);
  const repository = syntheticUuid(`repository:${text}`, text);
  const environment = syntheticUuid(`environment:${text}`, text);
  const step = syntheticUuid(`step:${text}`, text);
  for (const p of t.facts.providers) {
    const url = p.url.toLowerCase();
    const written = t.facts.audiences.get(url);
    const audiences = written?.length
      ? written
      : (t.knownClientIds.get(url) ?? [fallbackAudience(p.url)]);
    for (const env of [undefined, environment]) {
      const found = await askUntilAllowed(
        t.world,
        t.roleArn,
        attemptsFor(t.facts, {
          providerUrl: p.url,
          audiences,
          repository,
          step,
          now,
          ...(env ? { environment: env } : {}),
        }),
        now,
      );
      if (!found?.decision.ok) continue;
      const trace = found.decision.trace;
      const statement =
        trace?.statements.find((s) => s.applies && s.effect === "Allow")?.index ?? 0;
      return {
        sub: String(found.attempt.claims.sub),
        audience: (found.attempt.claims.aud as string[])[0]!,
        statement,
        ...(found.attempt.sourceIp ? { sourceIp: found.attempt.sourceIp } : {}),
      };
    }
  }
  return undefined;
}
