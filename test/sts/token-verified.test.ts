/**
 * A web-identity decision says whether it got past the token's signature (`tokenVerified`), as a
 * flag set by the step that decided, not read back from AWS's message texts. The emulator's audit
 * log writes only such refusals in full and counts the rest (anyone can send a forged token), so
 * a refusal of a real pipeline's token that lost this flag would vanish into a summary line.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type CaseKeys, generateCaseKeys, loadCases } from "./case-kit.js";
import { decideCase } from "./library-door.js";

const bySlug = new Map(loadCases().map((f) => [f.slug, f.case]));
let keys: CaseKeys;

beforeAll(async () => {
  keys = await generateCaseKeys();
});

async function flagOf(slug: string): Promise<{ ok: boolean; code?: string; verified: boolean }> {
  const c = bySlug.get(slug);
  if (!c) throw new Error(`no decision case ${slug}`);
  const d = await decideCase(c, keys);
  return {
    ok: d.ok,
    ...(d.ok ? {} : { code: d.error.code }),
    verified: d.tokenVerified === true,
  };
}

describe("refusals before the signature held: anyone can cause them", () => {
  it.each([
    "tampered-payload-rejected",
    "wrong-key-same-kid-rejected",
    "unknown-kid-key-not-retrievable",
    "alg-none-rejected",
    "iss-no-provider-other-workspace",
  ])("%s", async (slug) => {
    const got = await flagOf(slug);
    expect(got.ok).toBe(false);
    expect(got.verified).toBe(false);
  });
});

describe("decisions after the signature held: about a real token", () => {
  it.each([
    ["exp-hours-ago-expired", "ExpiredTokenException"],
    ["aud-not-in-client-ids-incorrect-audience", "InvalidIdentityToken"],
    ["aud-array-with-non-string-malformed", "InvalidIdentityToken"],
    ["aud-condition-other-workspace-denied", "AccessDenied"],
    ["duration-above-role-max-validation-error", "ValidationError"],
  ])("%s (%s)", async (slug, code) => {
    const got = await flagOf(slug);
    expect(got).toEqual({ ok: false, code, verified: true });
  });

  it("an allowed exchange", async () => {
    expect(await flagOf("aud-plain-string-allowed")).toEqual({ ok: true, verified: true });
  });
});

it("unsigned claims (explain --claims, who-can) never count as a verified token", async () => {
  expect(await flagOf("unsigned-claims-allowed")).toEqual({ ok: true, verified: false });
  expect((await flagOf("exp-beyond-grace-unsigned-claims-expired")).verified).toBe(false);
});
