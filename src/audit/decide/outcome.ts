/** What asking the engine about one provider of one role found. */
import { closestAllow } from "../../policy/index.js";
import type { WebIdentityDecision } from "../../sts/index.js";
import type { IssuerKind } from "../issuers.js";
import type { DecidingPart, Reach } from "../types.js";

export interface Exposure {
  /** The Allow statement that let the probe in. */
  statement?: number;
  /** The `sub` the allowed token carried. */
  subject: string;
  audience?: string;
  sourceIp?: string;
  /** The probe was a lookalike of an owner the policy names (a prefix match). */
  lookalike?: string;
}

export interface IssuerOutcome {
  kind: IssuerKind;
  url: string;
  reach: Exclude<Reach, "unknown">;
  /** Who can assume the role through this provider, one line each. */
  who: string[];
  exposure?: Exposure;
  /** When nothing got in: the engine's reason for the most specific attempt. */
  denial?: { reason: string; deciding?: DecidingPart };
}

const REACH_ORDER: Record<Reach, number> = {
  platform: 4,
  owner: 3,
  unknown: 2,
  scoped: 1,
  none: 0,
};

export function widest(a: Reach, b: Reach): Reach {
  return REACH_ORDER[a] >= REACH_ORDER[b] ? a : b;
}

/** The statement (and failing condition) an engine decision turned on. */
export function decidingPartOf(decision: WebIdentityDecision): DecidingPart | undefined {
  const trace = decision.trace;
  if (!trace) return undefined;
  if (decision.ok || trace.decision === "explicitDeny") {
    const effect = decision.ok ? "Allow" : "Deny";
    const s = trace.statements.find((t) => t.applies && t.effect === effect);
    return s ? { statement: s.index } : undefined;
  }
  const s = closestAllow(trace);
  if (!s) return undefined;
  const failed = s.conditions.find((c) => !c.matched);
  return failed
    ? { statement: s.index, operator: failed.operator, key: failed.key }
    : { statement: s.index };
}
