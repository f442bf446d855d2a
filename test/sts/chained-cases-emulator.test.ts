/**
 * AssumeRole hops (test/cases/chained) through the running emulator with the AWS SDK, as a
 * pipeline chains: a step's token is exchanged for a session of the caller's role
 * (AssumeRoleWithWebIdentity), and that session calls AssumeRole on the case's role, created
 * through IAM; an IAM-user caller is created through IAM with an access key, which signs the
 * AssumeRole. The emulator must answer exactly what the library decides.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../../src/emulator/bitbucket/mint.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import {
  CHAINED_SESSION,
  type ChainedCase,
  callerSessionOf,
  chainedRoleArnOf,
  decideChainedCase,
  loadChainedCases,
} from "./chained-kit.js";

const cases = loadChainedCases();
const A = "111111111111";
const B = "222222222222";
const REPO = "{9b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0}";
let emu: RunningEmulator;
let stateDir: string;
const errors: unknown[] = [];
const callerRoles = new Set<string>();
const callerUsers = new Map<string, { accessKeyId: string; secretAccessKey: string }>();

function creds(account: string) {
  const a = emu.accounts.find((x) => x.id === account)!;
  return { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey };
}
function iam(account: string): IAMClient {
  return new IAMClient({
    endpoint: emu.awsEndpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: creds(account),
  });
}
function sts(credentials?: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}): STSClient {
  return new STSClient({
    endpoint: emu.awsEndpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials:
      credentials ??
      (async () => {
        throw new Error("unsigned");
      }),
  });
}

/** An IAM user's access key, the user and key created through IAM once per user. */
async function userCredentials(account: string, userName: string) {
  const key = `${account}|${userName}`;
  let credentials = callerUsers.get(key);
  if (!credentials) {
    await iam(account).send(new CreateUserCommand({ UserName: userName }));
    const created = (await iam(account).send(new CreateAccessKeyCommand({ UserName: userName })))
      .AccessKey!;
    credentials = { accessKeyId: created.AccessKeyId!, secretAccessKey: created.SecretAccessKey! };
    callerUsers.set(key, credentials);
  }
  return credentials;
}

/**
 * The caller's credentials: the root's keys, an IAM user's access key, or a pipeline session of
 * the caller's role.
 */
async function callerCredentials(c: ChainedCase) {
  if (c.caller.type === "root") return creds(c.caller.account);
  if (c.caller.type === "user") return userCredentials(c.caller.account, c.caller.user!);
  const name = c.caller.role!;
  const path = c.caller.path ?? "/";
  const ws = emu.workspaces[0]!;
  const host = ws.issuer.slice("https://".length);
  const key = `${c.caller.account}|${path}${name}`;
  if (!callerRoles.has(key)) {
    await iam(c.caller.account).send(
      new CreateRoleCommand({
        RoleName: name,
        Path: path,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: `arn:aws:iam::${c.caller.account}:oidc-provider/${host}` },
              Action: "sts:AssumeRoleWithWebIdentity",
            },
          ],
        }),
      }),
    );
    callerRoles.add(key);
  }
  const out = await sts().send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: `arn:aws:iam::${c.caller.account}:role${path}${name}`,
      RoleSessionName: callerSessionOf(c),
      WebIdentityToken: await mintToken(emu.store, { workspace: ws.slug, repositoryUuid: REPO }),
    }),
  );
  return {
    accessKeyId: out.Credentials!.AccessKeyId!,
    secretAccessKey: out.Credentials!.SecretAccessKey!,
    sessionToken: out.Credentials!.SessionToken!,
  };
}

async function runOnEmulator(c: ChainedCase) {
  await iam(c.role.account)
    .send(new DeleteRoleCommand({ RoleName: c.role.name }))
    .catch(() => undefined);
  await iam(c.role.account).send(
    new CreateRoleCommand({
      RoleName: c.role.name,
      Path: c.role.path ?? "/",
      AssumeRolePolicyDocument: JSON.stringify(c.role.trustPolicy),
      MaxSessionDuration: c.role.maxSessionDuration ?? 3600,
    }),
  );
  const r = c.request ?? {};
  const command = new AssumeRoleCommand({
    RoleArn: chainedRoleArnOf(c),
    RoleSessionName: r.roleSessionName ?? CHAINED_SESSION,
    ...(r.durationSeconds !== undefined ? { DurationSeconds: r.durationSeconds } : {}),
    ...(r.externalId !== undefined ? { ExternalId: r.externalId } : {}),
    ...(r.sourceIdentity !== undefined ? { SourceIdentity: r.sourceIdentity } : {}),
    ...(r.tags !== undefined ? { Tags: r.tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
    ...(r.transitiveTagKeys !== undefined ? { TransitiveTagKeys: r.transitiveTagKeys } : {}),
  });
  if (r.sourceIp !== undefined) {
    const ip = r.sourceIp;
    command.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers["x-bb-oidc-source-ip"] = ip;
        return next(args);
      },
      { step: "build", name: "bbOidcSourceIpHeader" },
    );
  }
  const started = Date.now();
  try {
    const out = await sts(await callerCredentials(c)).send(command);
    return {
      decision: "allow",
      assumedRoleArn: out.AssumedRoleUser?.Arn,
      sourceIdentity: out.SourceIdentity,
      durationSeconds: Math.round((out.Credentials!.Expiration!.getTime() - started) / 1000),
    };
  } catch (err) {
    const e = err as { Code?: string; name: string; message: string };
    return { decision: "deny", code: e.Code ?? e.name, message: e.message };
  }
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "bb-oidc-chained-emu-"));
  emu = await startEmulator({
    awsPort: 0,
    bitbucketPort: 0,
    stateDir,
    accounts: [A, B],
    trustSourceIpHeader: true,
    onInternalError: (e) => errors.push(e),
  });
  const ws = emu.workspaces[0]!;
  await iam(A).send(
    new CreateOpenIDConnectProviderCommand({
      Url: ws.issuer,
      ClientIDList: [`ari:cloud:bitbucket::workspace/${ws.uuid.replace(/[{}]/g, "")}`],
    }),
  );
}, 60_000);

afterAll(async () => {
  await emu?.close();
  await rm(stateDir, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

describe("chained decision cases: the emulator answers what the library decides", () => {
  for (const { slug, case: c } of cases) {
    it(slug, async () => {
      const library = decideChainedCase(c);
      const got = await runOnEmulator(c);
      expect(got.decision).toBe(c.expect.decision);
      if (library.ok) {
        expect(got).toMatchObject({
          assumedRoleArn: library.assumedRoleArn,
          sourceIdentity: library.sourceIdentity,
        });
        expect(Math.abs(got.durationSeconds! - library.durationSeconds)).toBeLessThanOrEqual(2);
      } else {
        expect(got).toMatchObject({ code: library.error.code, message: library.error.message });
      }
    });
  }
});
