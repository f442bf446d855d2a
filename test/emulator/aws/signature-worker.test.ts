import { exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { SignatureWorker } from "../../../src/emulator/aws/signature-worker.js";
import { signatureValid } from "../../../src/oidc/signature.js";
import type { AllowedAlgorithm } from "../../../src/oidc/verify.js";

/**
 * The emulator checks token signatures on a worker thread. It must answer exactly as the
 * verifier's own check does, for every algorithm, when many checks travel together, and after
 * its worker is gone.
 */
type Case = [AllowedAlgorithm, CryptoKey, string, string];

async function casesFor(alg: AllowedAlgorithm): Promise<Case[]> {
  const mine = await generateKeyPair(alg, { extractable: true });
  const other = await generateKeyPair(alg, { extractable: true });
  const pub = (await importJWK(await exportJWK(mine.publicKey), alg)) as CryptoKey;
  const token = await new SignJWT({ sub: "{r}:{s}" })
    .setProtectedHeader({ alg })
    .sign(mine.privateKey);
  const i = token.lastIndexOf(".");
  const input = token.slice(0, i);
  const sig = token.slice(i + 1);
  const tampered = `${input.slice(0, -2)}${input.endsWith("A") ? "B" : "A"}`;
  return [
    [alg, pub, input, sig],
    [alg, pub, tampered, sig],
    [alg, other.publicKey as CryptoKey, input, sig],
    [alg, pub, input, "AAAA"],
  ];
}

// A signature node:crypto cannot even parse throws, on either thread; the verifier turns that
// into a refusal.
const outcome = async (f: () => boolean | Promise<boolean>) => {
  try {
    return await f();
  } catch {
    return "throws";
  }
};

let worker: SignatureWorker | undefined;
afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

describe("signatures checked on the emulator's worker thread", () => {
  it("agree with the verifier's own check, many at once, every algorithm", async () => {
    const cases = (
      await Promise.all((["RS256", "RS512", "ES256", "ES384"] as const).map(casesFor))
    ).flat();
    // An RSA key never verifies an ES256 header.
    cases.push(["ES256", cases[0]![1], cases[0]![2], cases[0]![3]]);
    worker = new SignatureWorker();
    const w = worker;
    const batch = Array.from({ length: 10 }, () => cases).flat();
    const got = await Promise.all(
      batch.map(([alg, key, input, sig]) => outcome(() => w.check(alg, key, input, sig))),
    );
    const expected = await Promise.all(
      batch.map(([alg, key, input, sig]) => outcome(() => signatureValid(alg, key, input, sig))),
    );
    expect(got).toEqual(expected);
    // Answered by the worker, not by the fallback after a broken worker.
    expect(w.onWorker).toBe(true);
    expect(expected.filter((x) => x === true).length).toBe(40);
    expect(expected).toContain("throws");
  });

  it("takes the signature as bytes too (what a decision passes), a slice of Node's pool among them", async () => {
    const cases = [...(await casesFor("RS256")), ...(await casesFor("ES256"))];
    worker = new SignatureWorker();
    const w = worker;
    // Buffer.from keeps small results in one shared pool: a view whose buffer holds others' bytes.
    const asBytes = cases.map(([alg, key, input, sig]) => {
      const bytes = Buffer.from(sig, "base64url");
      return [alg, key, input, bytes] as const;
    });
    expect(asBytes.some(([, , , b]) => b.buffer.byteLength > b.length)).toBe(true);
    const got = await Promise.all(asBytes.map((c) => outcome(() => w.check(...c))));
    const expected = await Promise.all(
      cases.map(([alg, key, input, sig]) => outcome(() => signatureValid(alg, key, input, sig))),
    );
    expect(got).toEqual(expected);
    expect(got.filter((x) => x === true).length).toBe(2);
    expect(w.onWorker).toBe(true);
  });

  it("keeps answering, on this thread, once the worker is gone", async () => {
    const cases = await casesFor("RS256");
    worker = new SignatureWorker();
    const w = worker;
    const before = w.check(...cases[0]!);
    await w.close();
    const after = await Promise.all(cases.map((c) => w.check(...c)));
    expect(await before).toBe(true);
    expect(after).toEqual([true, false, false, false]);
  });
});
