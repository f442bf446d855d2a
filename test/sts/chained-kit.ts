/**
 * Decision cases for AssumeRole hops (test/cases/chained/*.json): loading and checking them, the
 * library door (`decideAssumeRole`), and the `explain --assume-role` arguments. The emulator door
 * is in chained-emulator-door.ts. Schema: test/cases/chained/README.md.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AssumeRoleCaller,
  type AssumeRoleDecision,
  callerFromArn,
  decideAssumeRole,
  staticWorld,
} from "../../src/sts/index.js";

export const CHAINED_DIR = fileURLToPath(new URL("../cases/chained/", import.meta.url));

export interface ChainedCase {
  description: string;
  reference: string;
  now: number;
  /** The caller: a role session (`role`, `session`, `path`), an IAM user (`user`) or the root. */
  caller: {
    type: "assumed-role" | "user" | "root";
    account: string;
    role?: string;
    path?: string;
    session?: string;
    user?: string;
  };
  role: {
    name: string;
    path?: string;
    account: string;
    maxSessionDuration?: number;
    trustPolicy: unknown;
  };
  request?: {
    roleSessionName?: string;
    durationSeconds?: number;
    externalId?: string;
    sourceIdentity?: string;
    tags?: { key: string; value: string }[];
    transitiveTagKeys?: string[];
    sourceIp?: string;
  };
  expect: {
    decision: "allow" | "deny";
    code?: string;
    httpStatus?: number;
    message?: string;
    messageContains?: string;
    policyDecision?: "allow" | "explicitDeny" | "implicitDeny";
    /** The action whose trust-policy evaluation is in the trace (sts:TagSession…). */
    tracedAction?: string;
    assumedRoleArn?: string;
    durationSeconds?: number;
    sourceIdentity?: string;
  };
}

export const CHAINED_SESSION = "bb-oidc-hop";

const CASE_KEYS = new Set([
  "description",
  "reference",
  "now",
  "caller",
  "role",
  "request",
  "expect",
]);
const EXPECT_KEYS = new Set([
  "decision",
  "code",
  "httpStatus",
  "message",
  "messageContains",
  "policyDecision",
  "tracedAction",
  "assumedRoleArn",
  "durationSeconds",
  "sourceIdentity",
]);

export function validateChainedCase(slug: string, c: ChainedCase): string[] {
  const problems: string[] = [];
  const need = (ok: unknown, what: string) => {
    if (!ok) problems.push(what);
  };
  need(/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug), "file name is not a lower-case slug");
  for (const k of Object.keys(c)) need(CASE_KEYS.has(k), `unknown top-level field ${k}`);
  need(c.description && c.reference && Number.isInteger(c.now), "description, reference, now");
  need(["assumed-role", "user", "root"].includes(c.caller?.type), "caller.type");
  need(/^\d{12}$/.test(c.caller?.account ?? ""), "caller.account");
  if (c.caller?.type === "assumed-role") need(c.caller.role, "an assumed-role caller needs role");
  if (c.caller?.type === "user") need(c.caller.user, "a user caller needs user");
  need(c.role?.name && /^\d{12}$/.test(c.role?.account ?? ""), "role {name, account}");
  need(c.role?.trustPolicy !== undefined, "role.trustPolicy");
  const e = c.expect;
  need(e?.decision === "allow" || e?.decision === "deny", "expect.decision");
  for (const k of Object.keys(e ?? {})) need(EXPECT_KEYS.has(k), `unknown expect field ${k}`);
  if (e?.decision === "deny") need(e.code && e.httpStatus, "a deny needs code and httpStatus");
  return problems;
}

export function loadChainedCases(): { slug: string; case: ChainedCase }[] {
  return readdirSync(CHAINED_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({
      slug: f.slice(0, -5),
      case: JSON.parse(readFileSync(join(CHAINED_DIR, f), "utf8")) as ChainedCase,
    }));
}

/** The caller's ARN as STS names it (what `explain --caller-arn` takes). */
export function callerArnOf(c: ChainedCase): string {
  const { caller } = c;
  switch (caller.type) {
    case "root":
      return `arn:aws:iam::${caller.account}:root`;
    case "user":
      return `arn:aws:iam::${caller.account}:user/${caller.user}`;
    case "assumed-role":
      // A role with a path is named by its role ARN; explain takes the session name apart.
      return caller.path && caller.path !== "/"
        ? `arn:aws:iam::${caller.account}:role${caller.path}${caller.role}`
        : `arn:aws:sts::${caller.account}:assumed-role/${caller.role}/${callerSessionOf(c)}`;
  }
}

export function callerSessionOf(c: ChainedCase): string {
  return c.caller.session ?? "pipeline";
}

export function callerOf(c: ChainedCase): AssumeRoleCaller {
  const caller = callerFromArn(callerArnOf(c), callerSessionOf(c));
  if (!caller) throw new Error(`no caller for ${callerArnOf(c)}`);
  return caller;
}

export function chainedRoleArnOf(c: ChainedCase): string {
  return `arn:aws:iam::${c.role.account}:role${c.role.path ?? "/"}${c.role.name}`;
}

export function decideChainedCase(c: ChainedCase): AssumeRoleDecision {
  const r = c.request ?? {};
  const world = staticWorld({
    providers: [],
    roles: [
      {
        arn: chainedRoleArnOf(c),
        trustPolicy: c.role.trustPolicy,
        maxSessionDuration: c.role.maxSessionDuration ?? 3600,
      },
    ],
    keys: { getKey: () => Promise.reject(new Error("no keys in an AssumeRole hop")) },
  });
  return decideAssumeRole(
    {
      caller: callerOf(c),
      roleArn: chainedRoleArnOf(c),
      roleSessionName: r.roleSessionName ?? CHAINED_SESSION,
      ...(r.durationSeconds !== undefined ? { durationSeconds: r.durationSeconds } : {}),
      ...(r.externalId !== undefined ? { externalId: r.externalId } : {}),
      ...(r.sourceIdentity !== undefined ? { sourceIdentity: r.sourceIdentity } : {}),
      ...(r.tags !== undefined ? { tags: r.tags } : {}),
      ...(r.transitiveTagKeys !== undefined ? { transitiveTagKeys: r.transitiveTagKeys } : {}),
      ...(r.sourceIp !== undefined ? { sourceIp: r.sourceIp } : {}),
      now: c.now,
    },
    world,
  );
}

/** Every way the decision differs from the case's expectation (empty: it agrees). */
export function chainedMismatches(c: ChainedCase, d: AssumeRoleDecision): string[] {
  const e = c.expect;
  const out: string[] = [];
  const check = (what: string, actual: unknown, expected: unknown) => {
    if (expected !== undefined && actual !== expected) {
      out.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  };
  check("decision", d.ok ? "allow" : "deny", e.decision);
  if (!d.ok) {
    check("code", d.error.code, e.code);
    check("httpStatus", d.error.httpStatus, e.httpStatus);
    check("message", d.error.message, e.message);
    if (e.messageContains && !d.error.message.includes(e.messageContains)) {
      out.push(`message: expected to contain ${JSON.stringify(e.messageContains)}`);
    }
  } else {
    check("assumedRoleArn", d.assumedRoleArn, e.assumedRoleArn);
    check("durationSeconds", d.durationSeconds, e.durationSeconds);
    check("sourceIdentity", d.sourceIdentity, e.sourceIdentity);
  }
  if (e.policyDecision) check("policyDecision", d.trace?.decision, e.policyDecision);
  if (e.tracedAction) check("tracedAction", d.trace?.action, e.tracedAction);
  return out;
}

/** `bb-oidc explain --assume-role` arguments for a case (the trust policy file written by the caller). */
export function explainAssumeRoleArgs(c: ChainedCase, trustPolicyFile: string): string[] {
  const r = c.request ?? {};
  const args = [
    "explain",
    "--assume-role",
    "--caller-arn",
    callerArnOf(c),
    "--trust-policy",
    trustPolicyFile,
    "--role-arn",
    chainedRoleArnOf(c),
    "--now",
    String(c.now),
    "--session-name",
    r.roleSessionName ?? CHAINED_SESSION,
    "--max-session-duration",
    String(c.role.maxSessionDuration ?? 3600),
    "--json",
  ];
  if (r.durationSeconds !== undefined) args.push("--duration", String(r.durationSeconds));
  if (r.externalId !== undefined) args.push("--external-id", r.externalId);
  if (r.sourceIdentity !== undefined) args.push("--source-identity", r.sourceIdentity);
  for (const t of r.tags ?? []) args.push("--tag", `${t.key}=${t.value}`);
  for (const k of r.transitiveTagKeys ?? []) args.push("--transitive-tag-key", k);
  if (r.sourceIp !== undefined) args.push("--source-ip", r.sourceIp);
  return args;
}
