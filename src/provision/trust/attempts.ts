/**
 * What a caller can choose when it asks for a role: which of the provider's audiences its token
 * carries, where it calls from, and its session name. To answer "can this repository assume
 * this role?" the engine is asked once per such choice (lazily, stopping at the first allow), so
 * a role that admits a repository only from certain addresses still shows as reachable.
 *
 * The candidate values are taken from the trust policy's own conditions only to have inputs worth
 * trying; whether a request is allowed is always the engine's answer.
 */
import { parseGlob } from "../../policy/glob.js";
import { isRecord } from "../../shared/is-record.js";
import { SESSION_NAME_PATTERN } from "../../sts/validate-params.js";
import { baseOperator, parseProviderArn, splitKey, statementViews } from "./statements.js";
import { type Attempt, SYNTHETIC_SESSION_NAME, syntheticClaims } from "./synthetic.js";

/** Enough addresses to cover a hand-written allow list; beyond that the rest are not tried. */
const MAX_ADDRESSES = 32;
const MAX_SESSION_NAMES = 8;

export interface TrustFacts {
  /** Providers named in Federated principals. */
  providers: { partition: string; account: string; url: string; arn: string }[];
  /** Audience values found in `<url>:aud` conditions, by lowercased URL. */
  audiences: Map<string, string[]>;
  /** One address inside each allowed `aws:SourceIp` block. */
  sourceIps: string[];
  sessionNames: string[];
}

/** A concrete value a `StringLike` pattern matches: `*` → nothing, `?` → `x`. */
function sampleOf(pattern: string): string {
  return parseGlob(pattern)
    .map((p) => (typeof p === "string" ? p : p === 0 ? "" : "x"))
    .join("");
}

export function trustFacts(doc: unknown): TrustFacts {
  const facts: TrustFacts = {
    providers: [],
    audiences: new Map(),
    sourceIps: [],
    sessionNames: [],
  };
  if (!isRecord(doc)) return facts;
  const seenProviders = new Set<string>();
  const ips = new Set<string>();
  const names = new Set<string>();
  for (const s of statementViews(doc)) {
    for (const f of s.federated) {
      const p = parseProviderArn(f);
      if (p && !seenProviders.has(f)) {
        seenProviders.add(f);
        facts.providers.push({ ...p, arn: f });
      }
    }
    if (s.effect !== "Allow") continue;
    for (const c of s.conditions) {
      const base = baseOperator(c.operator);
      if (base.includes("Not") || base === "Null") continue;
      const [prefix, name] = splitKey(c.key);
      const lowerKey = c.key.toLowerCase();
      if (name.toLowerCase() === "aud" && prefix.includes("/")) {
        const url = prefix.toLowerCase();
        const list = facts.audiences.get(url) ?? [];
        for (const v of c.values) {
          const sample = base.endsWith("Like") ? sampleOf(v) : v;
          if (!list.includes(sample)) list.push(sample);
        }
        facts.audiences.set(url, list);
      } else if (lowerKey === "aws:sourceip" && base === "IpAddress") {
        for (const v of c.values) if (ips.size < MAX_ADDRESSES) ips.add(v.split("/")[0]!);
      } else if (lowerKey === "sts:rolesessionname" && base.startsWith("String")) {
        for (const v of c.values) {
          const sample = base.endsWith("Like") ? sampleOf(v) : v;
          if (
            names.size < MAX_SESSION_NAMES &&
            sample.length >= 2 &&
            sample.length <= 64 &&
            SESSION_NAME_PATTERN.test(sample)
          ) {
            names.add(sample);
          }
        }
      }
    }
  }
  facts.sourceIps = [...ips];
  facts.sessionNames = [...names];
  return facts;
}

export interface AttemptInput {
  providerUrl: string;
  audiences: readonly string[];
  repository: string;
  environment?: string;
  step: string;
  now?: number;
}

/** Every choice a caller has, cheapest first: no address before each allowed address. */
export function* attemptsFor(facts: TrustFacts, input: AttemptInput): Generator<Attempt> {
  const sessions = [SYNTHETIC_SESSION_NAME, ...facts.sessionNames];
  const addresses: (string | undefined)[] = [undefined, ...facts.sourceIps];
  for (const audience of input.audiences) {
    const claims = syntheticClaims({
      providerUrl: input.providerUrl,
      audience,
      repository: input.repository,
      step: input.step,
      ...(input.environment ? { environment: input.environment } : {}),
      ...(input.now === undefined ? {} : { now: input.now }),
    });
    for (const sourceIp of addresses) {
      for (const sessionName of sessions) {
        yield sourceIp === undefined ? { claims, sessionName } : { claims, sessionName, sourceIp };
      }
    }
  }
}
