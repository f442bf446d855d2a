/**
 * Request shapes that used to crash or stall the emulator, sent to the real process: each is
 * answered with a 4xx in the side's own error shape, the process stays up, and a well-behaved
 * client is served meanwhile. The "promptly" bound below is a stall detector (the quadratic list
 * parser held every client for 9 s), generous for a shared machine; `npm run bench` measures.
 */
import { networkInterfaces } from "node:os";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUp,
  type EmulatorProcess,
  iamFor,
  prepareCli,
  startEmulator,
  tempDir,
} from "../durability/helpers.js";
import { awsCode, awsMessage, expectAlive, send, sendBytes, whileProbing } from "./helpers.js";

/** Longer than any answer on an idle or busy machine; far shorter than the stalls this catches. */
const STALL_MS = 1500;

let cli: string;
let emu: EmulatorProcess;

beforeAll(async () => {
  cli = await prepareCli();
  emu = await startEmulator(cli, await tempDir("bb-oidc-hostile-"));
}, 120_000);

afterAll(cleanUp);

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const WEB_IDENTITY =
  "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fx&RoleSessionName=s1&WebIdentityToken=abcd";

const unbalanced = "[".repeat(20_000);
const balanced = "[".repeat(20_000) + "]".repeat(20_000);

describe("deep JSON", () => {
  for (const path of ["/_emulator/mint", "/_emulator/rotate-keys", "/_emulator/workspaces"]) {
    it(`Bitbucket ${path}: 40 KB of [ and 40 KB of balanced nesting are 400s, not a crash`, async () => {
      for (const body of [unbalanced, balanced]) {
        const r = await send(emu, "bitbucket", {
          path,
          headers: { "content-type": "application/json" },
          body,
        });
        expect(r.status).toBe(400);
        const json = JSON.parse(r.text) as { type: string; error: { message: string } };
        expect(json.type).toBe("error");
        expect(json.error.message).toMatch(/nests deeper than 16 levels|not valid JSON/);
        // The answer never echoes what was sent.
        expect(r.text.length).toBeLessThan(1000);
      }
      await expectAlive(emu);
    });
  }

  it("AWS /_emulator/faults: deep JSON is a 400", async () => {
    for (const body of [unbalanced, balanced]) {
      const r = await send(emu, "aws", { path: "/_emulator/faults", body });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text).error).toMatch(/nests deeper|not valid JSON/);
    }
    await expectAlive(emu);
  });
});

describe("request targets", () => {
  it("// and other odd targets are answered like any unknown path, never 500", async () => {
    const slash = await send(emu, "aws", { path: "//", headers: FORM, body: WEB_IDENTITY });
    const root = await send(emu, "aws", { path: "/", headers: FORM, body: WEB_IDENTITY });
    expect(slash.status).toBe(root.status);
    expect(awsCode(slash.text)).toBe(awsCode(root.text));
    expect(slash.status).toBeLessThan(500);

    for (const path of ["//", "//evil.example/x", "/a//b"]) {
      const b = await send(emu, "bitbucket", { method: "GET", path });
      expect(b.status).toBe(404);
      expect(JSON.parse(b.text).type).toBe("error");
    }
    const star = await sendBytes(
      emu,
      "aws",
      "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(star).toMatch(/^HTTP\/1\.1 4\d\d /);
    const absolute = await sendBytes(
      emu,
      "aws",
      `POST http://elsewhere.example// HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${WEB_IDENTITY.length}\r\nConnection: close\r\n\r\n${WEB_IDENTITY}`,
    );
    expect(absolute).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(absolute).toContain("<ErrorResponse");
    await expectAlive(emu);
  });
});

describe("oversized requests", () => {
  it("headers over 16 KiB are 431 on both sides", async () => {
    const big = { "x-padding": "a".repeat(20_000) };
    const a = await send(emu, "aws", { headers: { ...FORM, ...big }, body: WEB_IDENTITY });
    expect(a.status).toBe(431);
    expect(awsCode(a.text)).toBe("RequestHeaderSectionTooLarge");
    const b = await send(emu, "bitbucket", {
      method: "GET",
      path: "/ip-ranges.json",
      headers: big,
    });
    expect(b.status).toBe(431);
    expect(JSON.parse(b.text).type).toBe("error");
    // Many small headers, each fine, together over the bound.
    const many: Record<string, string> = {};
    for (let i = 0; i < 600; i++) many[`x-h${i}`] = "v".repeat(30);
    expect((await send(emu, "aws", { headers: many, body: WEB_IDENTITY })).status).toBe(431);
    await expectAlive(emu);
  });

  it("bodies over the bound are 413, declared or streamed without a length", async () => {
    const declared = await send(emu, "aws", { headers: FORM, body: "a".repeat(2 * 1024 * 1024) });
    expect(declared.status).toBe(413);
    expect(awsCode(declared.text)).toBe("RequestEntityTooLarge");

    // 3 MiB in chunks, no length declared: refused once past the bound; the rest is read and
    // dropped so that the client sees the 413 rather than a broken pipe.
    const chunked = (mib: number) => () =>
      (function* () {
        for (let i = 0; i < mib * 16; i++) yield Buffer.alloc(64 * 1024, 0x61);
      })();
    const streamed = await send(emu, "aws", { headers: FORM, body: chunked(3) });
    expect(streamed.status).toBe(413);
    expect(awsCode(streamed.text)).toBe("RequestEntityTooLarge");

    const admin = await send(emu, "bitbucket", {
      path: "/_emulator/mint",
      headers: { "content-type": "application/json" },
      body: `{"workspace":"${"a".repeat(100_000)}"}`,
    });
    expect(admin.status).toBe(413);
    const adminStreamed = await send(emu, "bitbucket", {
      path: "/_emulator/mint",
      body: chunked(2),
    });
    expect(adminStreamed.status).toBe(413);
    const faults = await send(emu, "aws", { path: "/_emulator/faults", body: chunked(2) });
    expect(faults.status).toBe(413);
    await expectAlive(emu);
  });

  it("a body that never ends is cut off: the connection closes, nothing waits for it", async () => {
    const endless = () =>
      (function* () {
        for (;;) yield Buffer.alloc(64 * 1024, 0x61);
      })();
    for (const [side, path] of [
      ["aws", "/"],
      ["bitbucket", "/_emulator/mint"],
    ] as const) {
      const started = performance.now();
      // The answer (413) or a broken pipe, depending on when the client notices the close.
      const outcome = await send(emu, side, { path, headers: FORM, body: endless }).then(
        (r) => r.status,
        (e: Error) => e.message,
      );
      expect(String(outcome)).toMatch(/^413$|EPIPE|ECONNRESET|socket hang up/);
      expect(performance.now() - started).toBeLessThan(10_000);
    }
    await expectAlive(emu);
  });
});

describe("Query lists", () => {
  it("8,000 PolicyArns members are refused with STS's ValidationError, without holding anyone up", async () => {
    const members = Array.from(
      { length: 8000 },
      (_, i) => `PolicyArns.member.${i + 1}.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FP${i}`,
    ).join("&");
    const { result, worstProbeMs, probes } = await whileProbing(emu, () =>
      send(emu, "aws", { headers: FORM, body: `${WEB_IDENTITY}&${members}` }),
    );
    expect(result.status).toBe(400);
    expect(awsCode(result.text)).toBe("ValidationError");
    expect(awsMessage(result.text)).toMatch(
      /at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10/,
    );
    expect(probes).toBeGreaterThan(0);
    expect(worstProbeMs).toBeLessThan(STALL_MS);
    await expectAlive(emu);
  });

  it("more than 10,000 parameters are a 400 before anything else is read", async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => `p${i}=v`).join("&");
    const r = await send(emu, "aws", { headers: FORM, body: `${WEB_IDENTITY}&${many}` });
    expect(r.status).toBe(400);
    expect(awsCode(r.text)).toBe("ValidationError");
    expect(awsMessage(r.text)).toContain("more than 10000 parameters");
  });

  it("51 tags on CreateRole: parsed in one pass, refused with IAM's ValidationError", async () => {
    const iam = iamFor(emu);
    try {
      const err = await iam
        .send(
          new CreateRoleCommand({
            RoleName: "tagged",
            AssumeRolePolicyDocument: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Principal: { AWS: "arn:aws:iam::111111111111:root" },
                  Action: "sts:AssumeRole",
                },
              ],
            }),
            Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })),
          }),
        )
        .then(
          () => undefined,
          (e: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => e,
        );
      expect(err?.name).toBe("ValidationError");
      expect(err?.$metadata?.httpStatusCode).toBe(400);
      expect(err?.message).toMatch(
        /^1 validation error detected: Value .* at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50$/,
      );
    } finally {
      iam.destroy();
    }
  });
});

/** An address of this machine that is not loopback, to be a "remote" caller from. */
function nonLoopbackAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === "IPv4") return a.address;
  }
  return undefined;
}

const outside = nonLoopbackAddress();

describe.skipIf(outside === undefined)("admin endpoints and callers beyond loopback", () => {
  async function adminCalls(e: EmulatorProcess) {
    // Reach the emulator through the non-loopback address, so the peer address is not loopback.
    const via: EmulatorProcess = {
      ...e,
      ready: {
        ...e.ready,
        awsEndpoint: e.ready.awsEndpoint.replace("0.0.0.0", outside!),
        bitbucketEndpoint: e.ready.bitbucketEndpoint.replace("0.0.0.0", outside!),
      },
    };
    const faults = await send(via, "aws", {
      path: "/_emulator/faults",
      body: JSON.stringify({ status: 500, code: "InternalFailure", count: 1 }),
    });
    const mint = await send(via, "bitbucket", {
      path: "/_emulator/mint",
      body: JSON.stringify({
        workspace: "acme",
        repositoryUuid: `{${"1".repeat(8)}-1111-1111-1111-${"1".repeat(12)}}`,
      }),
    });
    const health = await send(via, "aws", { method: "GET", path: "/_emulator/health" });
    return { faults, mint, health };
  }

  it("refuses them by default, with a message naming the flag", async () => {
    const e = await startEmulator(cli, await tempDir("bb-oidc-remote-"), ["--host", "0.0.0.0"]);
    const { faults, mint, health } = await adminCalls(e);
    expect(faults.status).toBe(403);
    expect(faults.text).toContain("--allow-remote-admin");
    expect(mint.status).toBe(403);
    expect(mint.text).toContain("--allow-remote-admin");
    expect(health.status).toBe(200);
    await e.kill();
  });

  it("answers them with --allow-remote-admin", async () => {
    const e = await startEmulator(cli, await tempDir("bb-oidc-remote-"), [
      "--host",
      "0.0.0.0",
      "--allow-remote-admin",
    ]);
    const { faults, mint } = await adminCalls(e);
    expect(faults.status).toBe(200);
    expect(mint.status).toBe(200);
    expect(JSON.parse(mint.text).token).toMatch(/^ey/);
    await e.kill();
  });
});
