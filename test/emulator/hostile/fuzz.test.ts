/**
 * Property: whatever Query body or admin JSON body is sent, the emulator (its own process)
 * answers with a status below 500 in the side's error shape, and stays up. Bodies are built
 * from the pieces real requests are made of (actions, list members, escapes) and from noise.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUp,
  type EmulatorProcess,
  prepareCli,
  startEmulator,
  tempDir,
} from "../durability/helpers.js";
import { expectAlive, send } from "./helpers.js";

let cli: string;
let emu: EmulatorProcess;

beforeAll(async () => {
  cli = await prepareCli();
  emu = await startEmulator(cli, await tempDir("bb-oidc-fuzz-"));
}, 120_000);

afterAll(cleanUp);

const ACTIONS = [
  "AssumeRoleWithWebIdentity",
  "AssumeRole",
  "GetCallerIdentity",
  "CreateRole",
  "CreateOpenIDConnectProvider",
  "CreateStack",
  "CreateStackSet",
  "Nope",
];
const NAMES = [
  "Action",
  "Version",
  "RoleArn",
  "RoleSessionName",
  "WebIdentityToken",
  "DurationSeconds",
  "Policy",
  "PolicyArns",
  "Tags",
  "TemplateBody",
  "Parameters",
  "X-Amz-Signature",
];

/** `Name.member.N.Field` with odd indices (0, huge, padded) as well as ordinary ones. */
const memberKey = fc
  .tuple(
    fc.constantFrom(...NAMES),
    fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constantFrom(0, -1, 99999999999, "007", "")),
    fc.constantFrom("", ".arn", ".Key", ".Value", ".ParameterKey", ".member.1"),
  )
  .map(([n, i, f]) => `${n}.member.${i}${f}`);

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("%", "%zz", "%E2%82", "+", "%00", "arn:aws:iam::111111111111:role/x"),
  fc.json({ maxDepth: 4 }).map(encodeURIComponent),
  fc.integer().map(String),
);

const pair = fc.oneof(
  fc.tuple(fc.constant("Action"), fc.constantFrom(...ACTIONS)),
  fc.tuple(fc.constantFrom(...NAMES), value),
  fc.tuple(memberKey, value),
  fc.tuple(fc.string({ maxLength: 12 }), value),
);

const queryBody = fc.oneof(
  fc.array(pair, { maxLength: 40 }).map((ps) => ps.map(([k, v]) => `${k}=${v}`).join("&")),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString("latin1")),
);

describe("fuzzed requests", () => {
  it("AWS Query bodies: never a 5xx, always an ErrorResponse or a result", async () => {
    await fc.assert(
      fc.asyncProperty(
        queryBody,
        fc.constantFrom("/", "//", "/x?Action=GetCallerIdentity", "/?Version=2011-06-15"),
        async (body, path) => {
          const r = await send(emu, "aws", {
            path,
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body,
          });
          expect(r.status).toBeLessThan(500);
          expect(r.text).toMatch(/^<(ErrorResponse|\w+Response) /);
        },
      ),
      { numRuns: 1000 },
    );
    await expectAlive(emu);
  }, 120_000);

  it("admin JSON bodies on both sides: never a 5xx, always JSON", async () => {
    const json = fc.oneof(
      { arbitrary: fc.json({ maxDepth: 6 }), weight: 3 },
      { arbitrary: fc.string({ maxLength: 200 }), weight: 2 },
      fc
        .record(
          {
            workspace: fc.oneof(fc.constant("acme"), fc.string({ maxLength: 20 })),
            repositoryUuid: fc.oneof(
              fc.uuid().map((u) => `{${u}}`),
              fc.string(),
            ),
            audiences: fc.array(fc.string({ maxLength: 200 }), { maxLength: 12 }),
            ttlSeconds: fc.oneof(fc.integer(), fc.double(), fc.string()),
            graceSeconds: fc.oneof(fc.integer(), fc.string()),
            slug: fc.string({ maxLength: 40 }),
            name: fc.string({ maxLength: 40 }),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
      // Deep nesting is refused after a penalty delay (a broken limit): rarer, to keep the run short.
      {
        arbitrary: fc.nat({ max: 30_000 }).map((n) => "[".repeat(n) + "]".repeat(n % 2 ? n : 0)),
        weight: 1,
      },
    );
    await fc.assert(
      fc.asyncProperty(
        json,
        fc.constantFrom("/_emulator/mint", "/_emulator/rotate-keys", "/_emulator/workspaces"),
        async (body, path) => {
          const r = await send(emu, "bitbucket", {
            path,
            headers: { "content-type": "application/json" },
            body,
          });
          expect(r.status).toBeLessThan(500);
          expect(() => JSON.parse(r.text)).not.toThrow();
        },
      ),
      { numRuns: 120 },
    );
    await fc.assert(
      fc.asyncProperty(json, async (body) => {
        const r = await send(emu, "aws", { path: "/_emulator/faults", body });
        expect(r.status).toBeLessThan(500);
        expect(() => JSON.parse(r.text)).not.toThrow();
      }),
      { numRuns: 80 },
    );
    // Any fault the fuzzing happened to add is cleared before the liveness check.
    await send(emu, "aws", { method: "DELETE", path: "/_emulator/faults" });
    await expectAlive(emu);
  }, 120_000);
});
