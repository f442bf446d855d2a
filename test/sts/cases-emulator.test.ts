/**
 * The decision cases (test/cases/*.json) through the emulator over HTTP, with the real AWS SDK:
 * IAM (`@aws-sdk/client-iam`) creates each case's OIDC provider and role, STS
 * (`@aws-sdk/client-sts`) answers AssumeRoleWithWebIdentity at the case's `now`. Asserts the
 * case's expectation (decision, code, HTTP status, message; on success the assumed role, subject,
 * audience, duration and credentials' shape), that the emulator answers exactly what the library
 * answers for the same token, and that the audit log recorded every decision — with the library's
 * reason — and never a token.
 *
 * One emulator for the file; cases run one at a time (the emulator's clock is set per case).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ipaddr from "ipaddr.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DecisionCase, loadCases, providerOf, requestOf } from "./case-kit.js";
import {
  type DoorAnswer,
  EmulatorDoor,
  type EmulatorResult,
  emulatorSkipReason,
  issuerWorkspace,
  libraryResult,
  sdkNameOf,
} from "./emulator-door.js";
import { KNOWN_DISAGREEMENTS } from "./known-disagreements.js";

const cases = loadCases();

/** Every account a case puts a provider or role in. */
const ACCOUNTS = [
  ...new Set(cases.flatMap(({ case: c }) => [c.role.account, providerOf(c).account])),
].sort();
/** Every workspace a case's provider URL names (a Bitbucket issuer of the emulator). */
const WORKSPACES = [
  ...new Set(
    cases
      .map(({ case: c }) => issuerWorkspace(c.provider.url))
      .filter((s): s is string => s !== undefined),
  ),
].sort();

interface Ran {
  c: DecisionCase;
  emulator: EmulatorResult;
  library: Awaited<ReturnType<typeof libraryResult>>;
}

let door: EmulatorDoor | undefined;
let stateDir: string;
const internalErrors: unknown[] = [];
const ran = new Map<string, Ran>();

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "bb-oidc-cases-emulator-"));
  door = await EmulatorDoor.start({
    accounts: ACCOUNTS,
    workspaces: WORKSPACES.length > 0 ? WORKSPACES : ["acme"],
    stateDir,
    onInternalError: (err) => internalErrors.push(err),
  });
});

afterAll(async () => {
  await door?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/**
 * The caller address the emulator should have recorded: the header's (normalised), none when the
 * case sent `none` (the address absent), else loopback.
 */
function expectedIp(c: DecisionCase): string | undefined {
  if (c.request?.sourceIp === null) return undefined;
  const ip = requestOf(c).sourceIp;
  return ip === undefined ? "127.0.0.1" : ipaddr.process(ip).toString();
}

function statementsOf(c: DecisionCase): Array<{ Effect?: unknown }> {
  const s = (c.role.trustPolicy as { Statement?: unknown } | null)?.Statement;
  return (Array.isArray(s) ? s : s && typeof s === "object" ? [s] : []) as Array<{
    Effect?: unknown;
  }>;
}
const effectOf = (c: DecisionCase, i: number) => statementsOf(c)[i]?.Effect;
const allowStatements = (c: DecisionCase) =>
  statementsOf(c).filter((s) => s.Effect === "Allow").length;

function expectationOf(c: DecisionCase): Partial<DoorAnswer> {
  const e = c.expect;
  const out: Partial<DoorAnswer> = { decision: e.decision };
  if (e.code !== undefined) out.code = e.code;
  if (e.httpStatus !== undefined) out.httpStatus = e.httpStatus;
  if (e.message !== undefined) out.message = e.message;
  if (e.assumedRoleArn !== undefined) out.assumedRoleArn = e.assumedRoleArn;
  if (e.subject !== undefined) out.subject = e.subject;
  if (e.audience !== undefined) out.audience = e.audience;
  if (e.durationSeconds !== undefined) out.durationSeconds = e.durationSeconds;
  return out;
}

describe("decision cases: the emulator over HTTP (AWS SDK)", () => {
  it("the emulator serves every account and workspace the cases name", () => {
    expect(door?.emulator.accounts.map((a) => a.id).sort()).toEqual(ACCOUNTS);
    expect(WORKSPACES.length).toBeGreaterThan(0);
  });

  for (const { slug, case: c } of cases) {
    const skip = emulatorSkipReason(c);
    if (skip) {
      it.skip(`${slug} (${skip})`, () => {});
      continue;
    }
    const known = KNOWN_DISAGREEMENTS[slug];
    const test = known ? it.fails : it;
    test(known ? `${slug} [known engine disagreement]` : slug, async () => {
      const emulator = await door!.run(c);
      const library = await libraryResult(c, door!.keysFor(c));
      ran.set(slug, { c, emulator, library });
      const got = emulator.answer;
      const why = `${c.description}\nlibrary reason: ${library.decision?.reason ?? "(IAM refused)"}`;

      // The case's expectation.
      expect(got, why).toMatchObject(expectationOf(c));
      if (c.expect.messageContains !== undefined) {
        expect(got.message, why).toContain(c.expect.messageContains);
      }
      // The same answer as the library (explain), from the same stage.
      expect({ stage: emulator.stage, ...got }, why).toEqual({
        stage: library.stage,
        ...library.answer,
      });

      if (got.decision === "deny") {
        expect(emulator.sdkName).toBe(sdkNameOf(got.code!));
      } else {
        const r = requestOf(c);
        expect(emulator.assumedRoleId).toMatch(
          new RegExp(`^AROA[A-Z2-7]{17}:${r.roleSessionName.replace(/[.+]/g, "\\$&")}$`),
        );
        const creds = emulator.credentials!;
        expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
        expect(creds.secretAccessKey).toMatch(/^[A-Za-z0-9/+]{40}$/);
        expect(creds.sessionToken?.length ?? 0).toBeGreaterThan(0);
        expect(creds.expiration?.getTime()).toBe(
          (c.now + (library.answer.durationSeconds ?? 0)) * 1000,
        );
      }
    });
  }

  it("the audit log has every decision, with the library's reason, and never a token", async () => {
    expect(ran.size).toBeGreaterThan(0);
    const { entries, text } = await door!.closeAndReadAudit();
    const sts = [...ran.values()].filter((r) => r.emulator.stage === "sts");
    // Refusals of tokens whose signature never verified are anyone's garbage: the log counts
    // them in summary lines instead of a line each (docs/architecture.md).
    // The emulator door signs `unsigned-claims` cases (the library decided them unsigned).
    const verified = (r: Ran) =>
      r.library.decision?.tokenVerified === true ||
      (r.c.token.variant === "unsigned-claims" && r.library.decision !== undefined);
    const byRequest = new Map(entries.map((e) => [e.requestId, e]));
    expect(entries.filter((e) => e.action === "AssumeRoleWithWebIdentity")).toHaveLength(
      sts.filter(verified).length,
    );
    const summed = entries.reduce((n, e) => n + ((e as { count?: number }).count ?? 0), 0);
    expect(summed).toBe(sts.filter((r) => !verified(r)).length);
    const problems: string[] = [];
    for (const [slug, r] of ran) {
      const { c, emulator, library } = r;
      if (emulator.stage !== "sts" || !verified(r)) continue;
      const entry = byRequest.get(emulator.requestId ?? "");
      if (!entry) {
        problems.push(`${slug}: no audit entry for request ${emulator.requestId}`);
        continue;
      }
      const want = {
        action: "AssumeRoleWithWebIdentity",
        decision: emulator.answer.decision,
        code: emulator.answer.code,
        ip: expectedIp(c),
        reason: library.decision?.reason,
      };
      // The emulator's JWKS cache (the library's keys are static) may add why it did not refetch.
      const cacheNote = / \(keys were fetched less than \d+ ms ago; not refetching\)$/;
      const have = {
        action: entry.action,
        decision: entry.decision,
        code: entry.code,
        ip: entry.ip,
        reason: entry.reason?.replace(cacheNote, ""),
      };
      if (JSON.stringify(have) !== JSON.stringify(want)) {
        problems.push(`${slug}: audit ${JSON.stringify(have)} ≠ ${JSON.stringify(want)}`);
      }
      // A trust policy whose only Allow statement failed a condition: the log names it.
      const f = c.expect.failing;
      if (
        f &&
        emulator.answer.code === "AccessDenied" &&
        allowStatements(c) === 1 &&
        effectOf(c, f.statement) === "Allow" &&
        !entry.reason?.includes(f.key)
      ) {
        problems.push(`${slug}: audit reason does not name ${f.key}: ${entry.reason}`);
      }
      // Never the token, nor its signature.
      const sig = emulator.token.split(".")[2] ?? "";
      if (emulator.token.length >= 16 && text.includes(emulator.token)) {
        problems.push(`${slug}: the token is in the audit log`);
      }
      if (sig.length >= 16 && text.includes(sig)) {
        problems.push(`${slug}: the token's signature is in the audit log`);
      }
    }
    expect(problems).toEqual([]);
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(internalErrors).toEqual([]);
  });
});
