/**
 * `bb-oidc explain` as a person meets it: the verdict first, then the one reason naming the
 * failing condition; input mistakes exit 2 with one paragraph and no stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCases } from "./case-kit.js";
import { type CliResult, ensureBuilt, runCli } from "./cli-kit.js";

const byslug = new Map(loadCases().map((f) => [f.slug, f.case]));
const denied = byslug.get("repo-sub-like-denies-other-repository")!;
const allowed = byslug.get("repo-sub-like-allows-own-repository")!;
const policy = denied.role.trustPolicy as {
  Statement: { Condition: Record<string, Record<string, string>> }[];
};
const SUB_KEY = Object.keys(policy.Statement[0]!.Condition.StringLike!)[0]!;
const WANTED = policy.Statement[0]!.Condition.StringLike![SUB_KEY]!;
const CLIENT_ID = denied.provider.clientIds[0]!;
const ROLE_ARN = `arn:aws:iam::${denied.role.account}:role/${denied.role.name}`;

let dir: string;
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

function base(trustPolicy: string, claims: unknown): string[] {
  return [
    "explain",
    "--trust-policy",
    trustPolicy,
    "--claims",
    JSON.stringify(claims),
    "--client-id",
    CLIENT_ID,
    "--role-arn",
    ROLE_ARN,
    "--now",
    String(denied.now),
  ];
}

/** One paragraph for a person: `bb-oidc: …`, maybe a hint line, no blank line, no stack frames. */
function expectUserError(r: CliResult): void {
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^(bb-oidc|error): /);
  expect(r.stderr.trim()).not.toMatch(/\n\s*\n/);
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+/m);
  expect(r.stderr.trim().split("\n").length).toBeLessThanOrEqual(3);
}

let policyFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-explain-"));
  ensureBuilt(dir);
  policyFile = file("trust.json", JSON.stringify(denied.role.trustPolicy, null, 2));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("explain: human output", () => {
  it("a refusal starts with the verdict, then the one reason naming the failing condition", async () => {
    const r = await runCli(base(policyFile, denied.token.claims));
    expect(r.exitCode).toBe(1);
    const [verdict, why] = r.stdout.split("\n");
    expect(verdict).toMatch(/^DENY\b/);
    expect(verdict).toContain("AccessDenied");
    expect(verdict).toContain("Not authorized to perform sts:AssumeRoleWithWebIdentity");
    expect(why).toMatch(/^\s*why: statement 0: condition StringLike on /);
    expect(why).toContain(SUB_KEY);
    expect(why).toContain(`wanted "${WANTED}"`);
    expect(why).toContain(String(denied.token.claims!.sub));
  });

  it("an allowed request starts with ALLOW and the assumed-role ARN", async () => {
    const r = await runCli(base(policyFile, allowed.token.claims));
    expect(r.exitCode, r.stderr).toBe(0);
    const [verdict] = r.stdout.split("\n");
    expect(verdict).toMatch(/^ALLOW\b/);
    expect(verdict).toContain(
      `arn:aws:sts::${denied.role.account}:assumed-role/${denied.role.name}/`,
    );
  });

  it("a trust policy longer than IAM stores is decided, with a note naming the quota", async () => {
    expect((await runCli(base(policyFile, allowed.token.claims))).stderr).toBe("");
    // The same statement 8 times over (different Sids): over 2,048 characters, under 8,192.
    const st = policy.Statement[0]!;
    const long = file(
      "long-trust.json",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: Array.from({ length: 8 }, (_, i) => ({ ...st, Sid: `S${i}` })),
      }),
    );
    const r = await runCli(base(long, allowed.token.claims));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ALLOW\b/);
    expect(r.stderr).toMatch(
      /^bb-oidc: note: --trust-policy \S+long-trust\.json: the trust policy is [\d,]+ characters without whitespace, more than IAM's default quota of 2,048; IAM stores it only where quota L-C07B4B0D was raised/,
    );
  });

  it("says the signature was not checked when claims were given", async () => {
    const r = await runCli(base(policyFile, allowed.token.claims));
    expect(r.stdout).toMatch(/unsigned claims/i);
  });

  it("an STS refusal before the policy names the STS error first", async () => {
    const claims = { ...allowed.token.claims, exp: denied.now - 400, iat: denied.now - 4000 };
    const r = await runCli(base(policyFile, claims));
    expect(r.exitCode).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe(
      `DENY   ExpiredTokenException (HTTP 400): Token expired: current date/time ${denied.now} must be before the expiration date/time ${denied.now - 400}`,
    );
  });
});

describe("explain: input errors exit 2 with one paragraph", () => {
  it("malformed JSON policy file: names the file", async () => {
    const broken = file("broken-policy.json", '{"Version": "2012-10-17", "Statement": [ }');
    const r = await runCli(base(broken, allowed.token.claims));
    expectUserError(r);
    expect(r.stderr).toContain(broken);
    expect(r.stderr).toMatch(/not valid JSON/);
  });

  it("a typo'd operator: names the JSON path and suggests the right one", async () => {
    const doc = structuredClone(denied.role.trustPolicy) as typeof policy;
    const cond = doc.Statement[0]!.Condition;
    cond.StringLik = cond.StringLike!;
    delete cond.StringLike;
    const typo = file("typo-policy.json", JSON.stringify(doc, null, 2));
    const r = await runCli(base(typo, allowed.token.claims));
    expectUserError(r);
    expect(r.stderr).toContain("$.Statement[0].Condition.StringLik");
    expect(r.stderr).toContain('"StringLike"');
  });

  it("an unparseable token", async () => {
    const args = base(policyFile, allowed.token.claims);
    const i = args.indexOf("--claims");
    args.splice(i, 2, "--token", "this-is-not-a-jwt", "--jwks", file("jwks.json", '{"keys": []}'));
    const r = await runCli(args);
    expectUserError(r);
    expect(r.stderr).toMatch(/token/);
  });

  it("an unknown flag", async () => {
    const r = await runCli([...base(policyFile, allowed.token.claims), "--frobnicate"]);
    expectUserError(r);
    expect(r.stderr).toContain("--frobnicate");
  });

  it("missing --client-id", async () => {
    const args = base(policyFile, allowed.token.claims);
    args.splice(args.indexOf("--client-id"), 2);
    const r = await runCli(args);
    expectUserError(r);
    expect(r.stderr).toContain("--client-id");
  });

  it("never echoes the token it could not use", async () => {
    const secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ";
    const args = base(policyFile, allowed.token.claims);
    args.splice(
      args.indexOf("--claims"),
      2,
      "--token",
      secret,
      "--jwks",
      file("jwks2.json", '{"keys": []}'),
    );
    const r = await runCli(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).not.toContain(secret);
  });
});
