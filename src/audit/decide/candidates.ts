/**
 * Inputs worth putting to the engine for one provider of one role: the `sub` values its own
 * conditions name (as samples a matching token would carry), and attempts for a given subject
 * built from who-can's attempts (every audience, address and session name a caller may choose),
 * with only `sub` replaced. These choose what to ask; the engine alone decides.
 */
import { parseGlob, STAR } from "../../policy/glob.js";
import {
  baseOperator,
  providerClaim,
  splitKey,
  statementViews,
} from "../../provision/trust/statements.js";
import {
  type Attempt,
  askUntilAllowed,
  attemptsFor,
  type TrustFacts,
} from "../../provision/who-can/index.js";
import type { StsWorld } from "../../sts/index.js";
import type { ProviderInfo } from "../types.js";

/** A value a `StringLike` pattern matches: `*` → nothing, `?` → `x`. */
function sampleOf(pattern: string): string {
  return parseGlob(pattern)
    .map((p) => (typeof p === "string" ? p : p === STAR ? "" : "x"))
    .join("");
}

export interface SubCondition {
  statement: number;
  operator: string;
  key: string;
  values: string[];
}

/** Positive `<url>:sub` conditions of Allow statements (as written). */
export function subConditions(doc: unknown, url: string): SubCondition[] {
  const out: SubCondition[] = [];
  const lower = url.toLowerCase();
  for (const s of statementViews(doc)) {
    if (s.effect !== "Allow") continue;
    for (const c of s.conditions) {
      if (providerClaim(c.key) !== "sub" || splitKey(c.key)[0].toLowerCase() !== lower) continue;
      const base = baseOperator(c.operator);
      if (base.includes("Not") || !base.startsWith("String")) continue;
      out.push({ statement: s.index, operator: c.operator, key: c.key, values: c.values });
    }
  }
  return out;
}

/** One sample subject per written value (policy variables cannot be sampled). */
export function subjectSamples(
  conditions: readonly SubCondition[],
): { sample: string; pattern: string }[] {
  const seen = new Set<string>();
  const out: { sample: string; pattern: string }[] = [];
  for (const c of conditions) {
    for (const v of c.values) {
      if (v.includes("${")) continue;
      const sample = baseOperator(c.operator).endsWith("Like") ? sampleOf(v) : v;
      if (seen.has(sample)) continue;
      seen.add(sample);
      out.push({ sample, pattern: v });
    }
  }
  return out;
}

/** who-can's attempts for this provider, each carrying `subject` as its `sub`. */
export function* attemptsWithSubject(
  facts: TrustFacts,
  input: { providerUrl: string; audiences: readonly string[]; subject: string; now: number },
): Generator<Attempt> {
  for (const a of attemptsFor(facts, {
    providerUrl: input.providerUrl,
    audiences: input.audiences,
    repository: "{00000000-0000-4000-8000-000000000000}",
    step: "{00000000-0000-4000-8000-000000000001}",
    now: input.now,
  })) {
    yield { ...a, claims: { ...a.claims, sub: input.subject } };
  }
}

/** Asks the engine whether a token of `provider` carrying `subject` can assume `roleArn`. */
export function askWithSubject(
  world: StsWorld,
  roleArn: string,
  provider: ProviderInfo,
  facts: TrustFacts,
  subject: string,
  now: number,
) {
  return askUntilAllowed(
    world,
    roleArn,
    attemptsWithSubject(facts, {
      providerUrl: provider.url,
      audiences: provider.clientIds,
      subject,
      now,
    }),
    now,
  );
}
