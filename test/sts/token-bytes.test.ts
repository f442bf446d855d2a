/**
 * The same bytes get the same answer from every door that reads a token: `decideWebIdentity`,
 * `bb-oidc explain --token @file` and `bb-oidc verify --token @file` (the emulator runs the same
 * cases in cases-emulator.test.ts). A token file written with `echo` ends in a newline; an `aud`
 * holding a non-string is refused everywhere.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildToken,
  type CaseKeys,
  type DecisionCase,
  generateCaseKeys,
  loadCases,
} from "./case-kit.js";
import { ensureBuilt, runCli } from "./cli-kit.js";
import { decideCase } from "./library-door.js";

const byslug = new Map(loadCases().map((f) => [f.slug, f.case]));
const allowed = byslug.get("aud-plain-string-allowed")!;
let dir: string;
let keys: CaseKeys;
let jwks: string;
let policy: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-token-bytes-"));
  ensureBuilt(dir);
  keys = await generateCaseKeys();
  jwks = join(dir, "jwks.json");
  writeFileSync(jwks, JSON.stringify(keys.jwks));
  policy = join(dir, "trust.json");
  writeFileSync(policy, JSON.stringify(allowed.role.trustPolicy));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The case with its token's aud replaced and whitespace around it. */
function variant(aud: unknown, before: string, after: string): DecisionCase {
  return {
    ...allowed,
    token: { ...allowed.token, claims: { ...allowed.token.claims, aud }, before, after },
  };
}

async function doors(c: DecisionCase) {
  const built = await buildToken(c, keys.signing);
  if (built.kind !== "token") throw new Error("expected a token");
  const file = join(dir, `token-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, built.token);
  const iss = String(allowed.token.claims!.iss);
  const [library, verify, explain] = await Promise.all([
    decideCase(c, keys),
    runCli([
      "verify",
      "--token",
      `@${file}`,
      "--jwks",
      jwks,
      "--issuer",
      iss,
      "--now",
      String(c.now),
      "--json",
    ]),
    runCli([
      "explain",
      "--token",
      `@${file}`,
      "--jwks",
      jwks,
      "--trust-policy",
      policy,
      "--client-id",
      allowed.provider.clientIds[0]!,
      "--role-arn",
      `arn:aws:iam::${allowed.role.account}:role/${allowed.role.name}`,
      "--now",
      String(c.now),
      "--json",
    ]),
  ]);
  return { library, verify, explain };
}

const AUD = allowed.provider.clientIds[0]!;

describe("token bytes: every door gives the same answer", () => {
  for (const [what, before, after] of [
    ["a trailing LF (echo $TOKEN > file)", "", "\n"],
    ["a trailing CRLF", "", "\r\n"],
    ["spaces and tabs around it", " \t", "\t \n"],
  ] as const) {
    it(`${what}: valid and allowed`, async () => {
      const { library, verify, explain } = await doors(variant([AUD], before, after));
      expect(library.ok, library.reason).toBe(true);
      expect(verify.exitCode, verify.stderr).toBe(0);
      expect(JSON.parse(verify.stdout).valid).toBe(true);
      expect(explain.exitCode, explain.stderr).toBe(0);
      expect(JSON.parse(explain.stdout).decision).toBe("allow");
    });
  }

  it("an aud array holding a number: invalid and refused, by all three", async () => {
    const { library, verify, explain } = await doors(variant([AUD, 42], "", "\n"));
    expect(library.ok).toBe(false);
    expect(library.ok ? "" : library.error.code).toBe("InvalidIdentityToken");
    expect(verify.exitCode).toBe(1);
    expect(JSON.parse(verify.stdout).error.code).toBe("ERR_TOKEN_MALFORMED");
    expect(explain.exitCode).toBe(1);
    const out = JSON.parse(explain.stdout);
    expect(out.error.code).toBe("InvalidIdentityToken");
    expect(out.error.message).toBe(library.ok ? "" : library.error.message);
  });
});
