/**
 * The audit log under a flood: anyone can send AssumeRoleWithWebIdentity with a garbage token
 * (it is unsigned), and before, every one was a line: 102 MB in a minute. Now refusals of tokens
 * whose signature never verified are counted into a summary line; a refusal of a real token is
 * still written in full.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateOpenIDConnectProviderCommand } from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mintViaAdmin } from "../../../src/emulator/bitbucket/index.js";
import {
  cleanUp,
  type EmulatorProcess,
  iamFor,
  prepareCli,
  startEmulator,
  tempDir,
} from "../durability/helpers.js";
import { send, sendBytes } from "./helpers.js";

let cli: string;
let emu: EmulatorProcess;
let stateDir: string;

beforeAll(async () => {
  cli = await prepareCli();
  stateDir = await tempDir("bb-oidc-audit-flood-");
  emu = await startEmulator(cli, stateDir);
}, 120_000);

afterAll(cleanUp);

const REPO = "{2b6f3c1a-0d4e-4f5a-9b8c-7d6e5f4a3b2c}";
const GARBAGE = 3000;

async function stop(e: EmulatorProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    e.child.once("exit", () => resolve());
    e.child.kill("SIGTERM");
  });
}

it("garbage is summed up in one line; a real token's refusal is written in full", async () => {
  const issuer = emu.ready.workspaces[0]!.issuer;
  const iam = iamFor(emu);
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: issuer,
      ClientIDList: [
        `ari:cloud:bitbucket::workspace/${emu.ready.workspaces[0]!.uuid.slice(1, -1)}`,
      ],
      ThumbprintList: [emu.ready.thumbprint],
    }),
  );
  iam.destroy();

  const form = { "content-type": "application/x-www-form-urlencoded" };
  const body = (token: string) =>
    `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fdeploy&RoleSessionName=s1&WebIdentityToken=${token}`;
  for (let i = 0; i < GARBAGE; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, k) =>
        send(emu, "aws", { headers: form, body: body(`garbage.${i + k}.token`) }),
      ),
    );
  }
  await sendBytes(emu, "aws", "NOT HTTP AT ALL\r\n\r\n");

  // A token the emulator signed, for a role that does not exist: AccessDenied after the
  // signature verified, which says something about a real pipeline.
  const token = await mintViaAdmin(
    emu.ready.bitbucketEndpoint,
    { workspace: emu.ready.workspaces[0]!.slug, repositoryUuid: REPO },
    { ca: await readFile(emu.ready.caFile, "utf8"), servername: "localhost" },
  );
  const sts = new STSClient({
    endpoint: emu.ready.awsEndpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: async () => {
      throw new Error("unsigned");
    },
  });
  await expect(
    sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: "arn:aws:iam::111111111111:role/deploy",
        RoleSessionName: "real",
        WebIdentityToken: token,
      }),
    ),
  ).rejects.toThrow(/Not authorized/);
  sts.destroy();

  await stop(emu);
  const text = await readFile(join(stateDir, "audit.log"), "utf8");
  const lines = text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const summaries = lines.filter((l) => l.summary !== undefined);
  const decisions = lines.filter((l) => l.summary === undefined);
  expect(decisions).toEqual([
    expect.objectContaining({ sessionName: "real", decision: "deny", code: "AccessDenied" }),
  ]);
  expect(summaries.reduce((n, s) => n + (s.count as number), 0)).toBe(GARBAGE + 1);
  expect(summaries.at(-1)).toMatchObject({
    byCode: { InvalidIdentityToken: GARBAGE, MalformedHTTPRequest: 1 },
    topSources: [{ ip: "127.0.0.1", count: GARBAGE + 1 }],
  });
  // A few hundred bytes for three thousand refusals, not a megabyte.
  expect(text.length).toBeLessThan(4096);
}, 120_000);
