/**
 * `explain --assume-role` for a trust policy that reads aws:userid: the caller's unique ID is not
 * in its ARN, so the user gives it (--caller-user-id) or is told the decision used a stand-in.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "./cli-kit.js";

const USER = "arn:aws:iam::111111111111:user/ci-admin";
const USER_ID = "AIDAQ3EGRE5XKPLJ4ZT7M";
let dir: string;
let policy: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bb-oidc-userid-"));
  ensureBuilt(dir);
  policy = join(dir, "trust.json");
  writeFileSync(
    policy,
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: USER },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:userid": USER_ID } },
        },
      ],
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const explain = (...extra: string[]) =>
  runCli([
    "explain",
    "--assume-role",
    "--caller-arn",
    USER,
    "--trust-policy",
    policy,
    "--role-arn",
    "arn:aws:iam::111111111111:role/break-glass",
    ...extra,
  ]);

describe("explain --assume-role and the caller's aws:userid", () => {
  it("with --caller-user-id the condition is decided on the real ID, with no note", async () => {
    const r = await explain("--caller-user-id", USER_ID);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("stand-in");
  });

  it("without it, the decision says it used a stand-in ID and how to give the real one", async () => {
    const r = await explain();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("reads aws:userid");
    expect(r.stderr).toContain("--caller-user-id");
  });

  it("belongs to an AssumeRole hop: refused without --assume-role", async () => {
    const r = await runCli([
      "explain",
      "--claims",
      "{}",
      "--trust-policy",
      policy,
      "--caller-user-id",
      USER_ID,
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--caller-user-id belongs to an AssumeRole hop");
  });
});
