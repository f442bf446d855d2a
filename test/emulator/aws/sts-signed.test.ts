import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Creds, failure, iam, startEndpoint, sts } from "./helpers.js";
import {
  createPipelineRole,
  type PipelineIssuer,
  pipelineSession,
  startPipelineIssuer,
} from "./pipeline-issuer.js";

const A = "111111111111";
const B = "222222222222";
const HUB = `arn:aws:iam::${A}:role/hub`;
let clock = Date.now();
let ep: Awaited<ReturnType<typeof startEndpoint>>;
let issuer: PipelineIssuer;
/** A pipeline step's session of the hub role (web identity): the first hop of every chain. */
let hub: Creds;

/** A fresh web-identity session of the hub role, at the emulator's clock. */
function hubSession(name: string, durationSeconds?: number): Promise<Creds> {
  return pipelineSession(ep.url, issuer, HUB, name, {
    nowMs: clock,
    clockOffsetMs: clock - Date.now(),
    ...(durationSeconds ? { durationSeconds } : {}),
  });
}

/** A client whose signing clock follows the emulator's (tests move the emulator's clock). */
function stsAt(creds: Creds): STSClient {
  const c = sts(ep.url, creds);
  c.config.systemClockOffset = clock - Date.now();
  return c;
}

function sessionCreds(out: {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
}): Creds {
  const c = out.Credentials!;
  return {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  };
}

function trust(statement: Record<string, unknown>): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", ...statement }],
  });
}

beforeAll(async () => {
  issuer = await startPipelineIssuer();
  ep = await startEndpoint({
    now: () => clock,
    trustSourceIpHeader: true,
    issuerAccess: issuer.issuerAccess,
  });
  const b = iam(ep.url, ep.accounts[1]!);
  await createPipelineRole(ep.url, ep.accounts[0]!, A, "hub", { maxSessionDuration: 43200 });
  await iam(ep.url, ep.accounts[0]!).send(
    new CreateRoleCommand({
      RoleName: "tagger",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: HUB },
            Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
          },
        ],
      }),
    }),
  );
  await b.send(
    new CreateRoleCommand({
      RoleName: "abac",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: A },
            Action: ["sts:AssumeRole", "sts:SetSourceIdentity"],
            Condition: {
              StringEquals: { "aws:PrincipalTag/team": "ci", "aws:SourceIdentity": "alice" },
            },
          },
        ],
      }),
    }),
  );
  hub = await hubSession("ci");
  await b.send(
    new CreateRoleCommand({
      RoleName: "spoke",
      AssumeRolePolicyDocument: trust({ Principal: { AWS: `arn:aws:iam::${A}:role/hub` } }),
    }),
  );
  await b.send(
    new CreateRoleCommand({
      RoleName: "partner",
      AssumeRolePolicyDocument: trust({
        Principal: { AWS: A },
        Condition: { StringEquals: { "sts:ExternalId": "s3cret-ext" } },
      }),
    }),
  );
  await b.send(
    new CreateRoleCommand({
      RoleName: "office",
      AssumeRolePolicyDocument: trust({
        Principal: { AWS: `arn:aws:iam::${A}:root` },
        Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
      }),
    }),
  );
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
  await issuer.close();
});

describe("authentication", () => {
  test("the root key is the account root", async () => {
    const out = await stsAt(ep.accounts[0]!).send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Account: A, UserId: A, Arn: `arn:aws:iam::${A}:root` });
  });

  test("a wrong secret is SignatureDoesNotMatch", async () => {
    const admin = ep.accounts[0]!;
    // A different last character, whatever the generated key ends with.
    const last = admin.secretAccessKey.endsWith("x") ? "y" : "x";
    const f = await failure(
      stsAt({ ...admin, secretAccessKey: `${admin.secretAccessKey.slice(0, -1)}${last}` }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    expect(f).toMatchObject({ name: "SignatureDoesNotMatch", status: 403 });
  });

  test("an unknown key is InvalidClientTokenId", async () => {
    const f = await failure(
      stsAt({ accessKeyId: "AKIAZZZZZZZZZZZZZZZZ", secretAccessKey: "x".repeat(40) }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    expect(f).toMatchObject({ name: "InvalidClientTokenId", status: 403 });
  });

  test("session keys need their own session token", async () => {
    const one = await hubSession("one");
    const two = await hubSession("two");
    expect(one.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(one.secretAccessKey).toHaveLength(40);
    const me = await stsAt(one).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${A}:assumed-role/hub/one`);
    expect(me.UserId).toMatch(/^AROA[A-Z2-7]{17}:one$/);

    const noToken = await failure(
      stsAt({ accessKeyId: one.accessKeyId, secretAccessKey: one.secretAccessKey }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    expect(noToken).toMatchObject({ name: "InvalidClientTokenId", status: 403 });
    const swapped = await failure(
      stsAt({ ...one, sessionToken: two.sessionToken }).send(new GetCallerIdentityCommand({})),
    );
    expect(swapped).toMatchObject({ name: "InvalidClientTokenId", status: 403 });
    const tampered = await failure(
      stsAt({ ...one, sessionToken: `${one.sessionToken!.slice(0, -4)}AAAA` }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    expect(tampered.name).toBe("InvalidClientTokenId");
  });

  test("an expired session is ExpiredToken", async () => {
    const s = await hubSession("short", 900);
    const saved = clock;
    clock += 901_000;
    try {
      const f = await failure(stsAt(s).send(new GetCallerIdentityCommand({})));
      expect(f).toMatchObject({ name: "ExpiredToken", status: 403 });
    } finally {
      clock = saved;
    }
  });

  test("a signature 20 minutes off is refused as skewed", async () => {
    const c = sts(ep.url, ep.accounts[0]!);
    c.config.systemClockOffset = clock - Date.now() - 20 * 60_000;
    const f = await failure(c.send(new GetCallerIdentityCommand({})));
    expect(f).toMatchObject({ name: "SignatureDoesNotMatch", status: 403 });
    expect(f.message).toMatch(/^Signature expired: /);
  });
});

describe("AssumeRole", () => {
  test("chains from account A's role into account B", async () => {
    const spoke = await stsAt(hub).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/spoke`, RoleSessionName: "deploy" }),
    );
    expect(spoke.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${B}:assumed-role/spoke/deploy`);
    const expiresIn = spoke.Credentials!.Expiration!.getTime() - clock;
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    const me = await stsAt(sessionCreds(spoke)).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: B, Arn: `arn:aws:sts::${B}:assumed-role/spoke/deploy` });

    const tooLong = await failure(
      stsAt(hub).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${B}:role/spoke`,
          RoleSessionName: "deploy",
          DurationSeconds: 7200,
        }),
      ),
    );
    expect(tooLong).toMatchObject({ name: "ValidationError", status: 400 });
    expect(tooLong.message).toContain("1 hour session limit for roles assumed by role chaining");
  });

  test("the account root cannot assume a role, whatever the trust policy says", async () => {
    const f = await failure(
      stsAt(ep.accounts[0]!).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/office`, RoleSessionName: "x1" }),
      ),
    );
    expect(f).toMatchObject({
      name: "AccessDenied",
      status: 403,
      message: "Roles may not be assumed by root accounts.",
    });
  });

  test("a trust policy that does not name the caller refuses with AWS's message", async () => {
    const f = await failure(
      stsAt(hub).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/partner`, RoleSessionName: "x1" }),
      ),
    );
    expect(f).toMatchObject({
      name: "AccessDenied",
      status: 403,
      message: `User: arn:aws:sts::${A}:assumed-role/hub/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${B}:role/partner`,
    });
    const missing = await failure(
      stsAt(hub).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/nope`, RoleSessionName: "x1" }),
      ),
    );
    expect(missing.name).toBe("AccessDenied");
  });

  test("sts:ExternalId conditions", async () => {
    const arn = `arn:aws:iam::${B}:role/partner`;
    const without = await failure(
      stsAt(hub).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "pp" })),
    );
    expect(without.name).toBe("AccessDenied");
    const ok = await stsAt(hub).send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "pp", ExternalId: "s3cret-ext" }),
    );
    expect(ok.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${B}:assumed-role/partner/pp`);
  });

  test("aws:SourceIp from the trusted header", async () => {
    const arn = `arn:aws:iam::${B}:role/office`;
    const from = (ip: string) => {
      const c = stsAt(hub);
      c.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers["x-bb-oidc-source-ip"] = ip;
          return next(args);
        },
        { step: "build" },
      );
      return c;
    };
    const outside = await failure(
      from("198.51.100.7").send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "oo" })),
    );
    expect(outside.name).toBe("AccessDenied");
    const inside = await from("203.0.113.9").send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "oo" }),
    );
    expect(inside.AssumedRoleUser?.Arn).toContain("assumed-role/office/oo");
  });

  test("parameter validation", async () => {
    const f = await failure(
      stsAt(hub).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/hub`, RoleSessionName: "a" }),
      ),
    );
    expect(f).toMatchObject({ name: "ValidationError", status: 400 });
    expect(f.message).toContain("roleSessionName");
    const over = await failure(
      stsAt(hub).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${A}:role/hub`,
          RoleSessionName: "ab",
          DurationSeconds: 50000,
        }),
      ),
    );
    expect(over.name).toBe("ValidationError");
  });

  test("session tags need sts:TagSession, a source identity sts:SetSourceIdentity", async () => {
    const spoke = `arn:aws:iam::${B}:role/spoke`;
    const tagged = await failure(
      stsAt(hub).send(
        new AssumeRoleCommand({
          RoleArn: spoke,
          RoleSessionName: "t1",
          Tags: [{ Key: "team", Value: "ci" }],
        }),
      ),
    );
    expect(tagged).toMatchObject({
      name: "AccessDenied",
      status: 403,
      message: `User: arn:aws:sts::${A}:assumed-role/hub/ci is not authorized to perform: sts:TagSession on resource: ${spoke}`,
    });
    const identified = await failure(
      stsAt(hub).send(
        new AssumeRoleCommand({ RoleArn: spoke, RoleSessionName: "t2", SourceIdentity: "alice" }),
      ),
    );
    expect(identified.message).toBe(
      `User: arn:aws:sts::${A}:assumed-role/hub/ci is not authorized to perform: sts:SetSourceIdentity on resource: ${spoke}`,
    );
  });

  test("tags, transitive tags and a source identity follow the chain; session policies report their packed size", async () => {
    const out = await stsAt(hub).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${A}:role/tagger`,
        RoleSessionName: "tg",
        Tags: [
          { Key: "team", Value: "ci" },
          { Key: "ticket", Value: "OPS-1" },
        ],
        TransitiveTagKeys: ["team"],
        SourceIdentity: "alice",
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
        }),
      }),
    );
    expect(out.SourceIdentity).toBe("alice");
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(out.PackedPolicySize).toBeLessThanOrEqual(100);
    const plain = await stsAt(hub).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/tagger`, RoleSessionName: "tp" }),
    );
    expect(plain.PackedPolicySize).toBeUndefined();

    // The next hop sees the transitive tag and the source identity, without passing them again.
    const abac = `arn:aws:iam::${B}:role/abac`;
    const next = await stsAt(sessionCreds(out)).send(
      new AssumeRoleCommand({ RoleArn: abac, RoleSessionName: "ab" }),
    );
    expect(next.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${B}:assumed-role/abac/ab`);
    expect(next.SourceIdentity).toBe("alice");
    // Without them (straight from the hub), the same trust policy refuses.
    const bare = await failure(
      stsAt(hub).send(new AssumeRoleCommand({ RoleArn: abac, RoleSessionName: "ab" })),
    );
    expect(bare.name).toBe("AccessDenied");
    // A chained session keeps its source identity: another one is refused.
    const other = await failure(
      stsAt(sessionCreds(out)).send(
        new AssumeRoleCommand({ RoleArn: abac, RoleSessionName: "ab", SourceIdentity: "bob" }),
      ),
    );
    expect(other.status).toBe(400);
  });
});
