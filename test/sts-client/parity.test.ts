import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createProxy } from "proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { networkRoute, sdkNetworkOptions } from "../../src/cli/network.js";
import {
  type ExchangeRequest,
  exchangeCredentials,
  failureFacts,
  StsCallError,
} from "../../src/sts/exchange.js";
import {
  assumeRoleWithWebIdentity,
  type WebIdentityInput,
  webIdentityBody,
} from "../../src/sts/query-client.js";
import { isRetryable } from "../../src/sts/retry.js";
import { sdkAssumeRoleWithWebIdentity } from "../../src/sts/sdk-calls.js";
import { type PipelineWorld, ROLE_ARN, startPipelineWorld } from "../support/pipeline-world.js";

/**
 * The built-in AssumeRoleWithWebIdentity client (src/sts/query-client.ts) against the AWS SDK's,
 * on the same answers: the emulator's real decisions (every refusal class it makes), injected
 * faults (throttling, IDP errors, 5xx), and answers no STS gives but a proxy or a broken network
 * does (HTML pages, plain text, empty bodies, a reset connection). What the exchange reads of an
 * error (failureFacts: code, message, status, network) and whether it retries must be the same;
 * a success must give the same fields.
 */
let world: PipelineWorld;
let standIn: Server;
let standInUrl: string;
/** What the stand-in answers next, in order; `reset` drops the connection. */
const script: (Canned | "reset")[] = [];
/** What the stand-in was sent. */
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

interface Canned {
  status: number;
  type?: string;
  body: string;
}

type Outcome = { output: Record<string, unknown> } | { facts: unknown; retryable: boolean };

const signal = () => new AbortController().signal;

async function outcome(call: () => Promise<Record<string, unknown>>): Promise<Outcome> {
  try {
    const { $metadata: _, ...output } = (await call()) as Record<string, unknown>;
    return { output };
  } catch (err) {
    const facts = failureFacts(err);
    return { facts, retryable: isRetryable(facts) };
  }
}

/** The same call through both clients; `before` runs before each (to queue the same answer). */
async function both(
  input: WebIdentityInput,
  url: string,
  before: () => unknown = () => {},
): Promise<{ builtIn: Outcome; sdk: Outcome }> {
  await before();
  const builtIn = await outcome(
    async () =>
      (await assumeRoleWithWebIdentity(input, {
        url,
        userAgent: "bb-oidc/test",
        signal: signal(),
      })) as Record<string, unknown>,
  );
  await before();
  const sdk = await outcome(
    async () =>
      (await sdkAssumeRoleWithWebIdentity(
        { region: "us-east-1", endpoint: url },
        input,
        signal(),
      )) as unknown as Record<string, unknown>,
  );
  return { builtIn, sdk };
}

function request(token: string, extra: Partial<WebIdentityInput> = {}): WebIdentityInput {
  return { RoleArn: ROLE_ARN, RoleSessionName: "parity", WebIdentityToken: token, ...extra };
}

async function fault(spec: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${world.emu.awsEndpoint}/_emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ service: "sts", count: 1, ...spec }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  world = await startPipelineWorld();
  standIn = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      const next = script.shift() ?? { status: 500, body: "nothing scripted" };
      if (next === "reset") {
        req.socket.destroy();
        return;
      }
      res.writeHead(next.status, {
        "content-type": next.type ?? "text/xml",
        "x-amzn-requestid": "req-1",
      });
      res.end(next.body);
    });
  });
  await new Promise<void>((r) => standIn.listen(0, "127.0.0.1", r));
  standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
});

afterAll(async () => {
  standIn?.close();
  await world?.close();
});

describe("the built-in client and the SDK on the emulator's answers", () => {
  it("read a success alike", async () => {
    const token = await world.mint();
    const { builtIn, sdk } = await both(request(token), world.emu.awsEndpoint);
    expect("output" in builtIn && "output" in sdk).toBe(true);
    const a = (builtIn as { output: Record<string, Record<string, unknown>> }).output;
    const b = (sdk as { output: Record<string, Record<string, unknown>> }).output;
    // Each call is a new session: same fields, same role session, fresh keys.
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(Object.keys(a.Credentials!).sort()).toEqual(Object.keys(b.Credentials!).sort());
    expect(a.Credentials!.Expiration).toBeInstanceOf(Date);
    expect(a.AssumedRoleUser!.Arn).toBe(b.AssumedRoleUser!.Arn);
    expect(a.AssumedRoleUser!.Arn).toBe("arn:aws:sts::111111111111:assumed-role/deploy/parity");
    for (const k of ["SubjectFromWebIdentityToken", "Audience", "Provider"]) {
      expect(a[k]).toEqual(b[k]);
    }
  });

  const refusals: [string, () => Promise<WebIdentityInput>][] = [
    [
      "AccessDenied: another repository's step",
      async () =>
        request(await world.mint({ repositoryUuid: "{11111111-2222-4333-8444-555555555555}" })),
    ],
    [
      "AccessDenied: no such role",
      async () => ({ ...request(await world.mint()), RoleArn: `${ROLE_ARN}-gone` }),
    ],
    ["ExpiredTokenException", async () => request(await world.mint({ expired: true }))],
    [
      "InvalidIdentityToken: wrong audience",
      async () => request(await world.mint({ audiences: ["someone-else"] })),
    ],
    [
      "InvalidIdentityToken: bad signature",
      async () => {
        const t = await world.mint();
        return request(`${t.slice(0, -6)}${t.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA"}`);
      },
    ],
    [
      "InvalidIdentityToken: no provider for the issuer",
      async () => request(await world.mint({ workspace: "stranger" })),
    ],
    ["InvalidIdentityToken: not a JWT", async () => request("not.a.jwt")],
    [
      "ValidationError: a session name STS refuses",
      async () => request(await world.mint(), { RoleSessionName: "a" }),
    ],
    [
      "ValidationError: longer than the role allows",
      async () => request(await world.mint(), { DurationSeconds: 43200 }),
    ],
    [
      "MalformedPolicyDocument",
      async () => request(await world.mint(), { Policy: '{"Version":"2012-10-17","Statement":' }),
    ],
  ];
  for (const [name, make] of refusals) {
    it(`read a refusal alike: ${name}`, async () => {
      const input = await make();
      const { builtIn, sdk } = await both(input, world.emu.awsEndpoint);
      expect(builtIn).toEqual(sdk);
      expect((builtIn as { facts: { code: string } }).facts.code).toBe(name.split(":")[0]);
    });
  }

  const faults: [string, Record<string, unknown>, boolean][] = [
    ["Throttling", { status: 400, code: "Throttling", message: "Rate exceeded" }, true],
    ["IDPCommunicationError", { status: 400, code: "IDPCommunicationError" }, true],
    [
      "InvalidIdentityToken (no verification key)",
      {
        status: 400,
        code: "InvalidIdentityToken",
        message:
          "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      },
      true,
    ],
    ["IDPRejectedClaim", { status: 403, code: "IDPRejectedClaim", message: "rejected" }, false],
    ["InternalFailure (500)", { status: 500, code: "InternalFailure" }, true],
    ["ServiceUnavailable (503)", { status: 503, code: "ServiceUnavailable" }, true],
    ["RegionDisabledException", { status: 403, code: "RegionDisabledException" }, false],
  ];
  for (const [name, spec, retryable] of faults) {
    it(`read an injected ${name} alike`, async () => {
      const input = request(await world.mint());
      const { builtIn, sdk } = await both(input, world.emu.awsEndpoint, () =>
        fault({ action: "AssumeRoleWithWebIdentity", ...spec }),
      );
      expect(builtIn).toEqual(sdk);
      expect((builtIn as { retryable: boolean }).retryable).toBe(retryable);
    });
  }
});

const errorDoc = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n    <Message>${message}</Message>\n  </Error>\n  <RequestId>req-1</RequestId>\n</ErrorResponse>\n`;
const success = (credentials: string, rest = "") =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <AssumeRoleWithWebIdentityResult>\n    <Credentials>${credentials}</Credentials>${rest}\n  </AssumeRoleWithWebIdentityResult>\n  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\n</AssumeRoleWithWebIdentityResponse>\n`;

describe("the built-in client and the SDK on answers no STS gives", () => {
  const cases: [string, Canned][] = [
    [
      "a proxy's HTML error page (502)",
      {
        status: 502,
        type: "text/html",
        body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
      },
    ],
    [
      "an HTML page that is not XML (503)",
      {
        status: 503,
        type: "text/html",
        body: "<html><body><p>down<br>for maintenance</p></body></html>",
      },
    ],
    ["plain text (502)", { status: 502, type: "text/plain", body: "Bad Gateway" }],
    ["an empty 500", { status: 500, body: "" }],
    ["a 404 without an error document", { status: 404, type: "text/plain", body: "not found" }],
    [
      "a 404 error document without a code",
      {
        status: 404,
        body: "<ErrorResponse><Error><Message>gone</Message></Error></ErrorResponse>",
      },
    ],
    [
      "an error document with message and Message (the SDK takes message)",
      {
        status: 400,
        body: "<ErrorResponse><Error><Code>X</Code><Message>upper</Message><message>lower</message></Error></ErrorResponse>",
      },
    ],
    [
      "an error document without a message",
      {
        status: 400,
        body: "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>",
      },
    ],
    [
      "an error document with escapes and CDATA",
      {
        status: 403,
        body: errorDoc(
          "AccessDenied",
          "Not &lt;authorized&gt; &amp; &#8220;quoted&#x201D; <![CDATA[raw <text>]]>",
        ),
      },
    ],
    [
      "an EC2-style error document",
      {
        status: 400,
        body: "<Response><Errors><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></Errors><RequestID>r</RequestID></Response>",
      },
    ],
    ["a redirect", { status: 302, type: "text/html", body: "<a href='/x'>moved</a>" }],
    ["a 200 that is not XML", { status: 200, type: "text/plain", body: "ok" }],
    [
      "a 200 with an unreadable expiration",
      {
        status: 200,
        body: success(
          "<AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>tomorrow</Expiration>",
        ),
      },
    ],
    [
      "a 200 without a result",
      {
        status: 200,
        body: "<AssumeRoleWithWebIdentityResponse><ResponseMetadata/></AssumeRoleWithWebIdentityResponse>",
      },
    ],
    ["an empty 200", { status: 200, body: "" }],
    [
      "a 200 as STS writes it, with escapes, an offset and every field",
      {
        status: 200,
        body: success(
          "\n      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n      <SecretAccessKey>s+cr/t&amp;&lt;x&gt;</SecretAccessKey>\n      <SessionToken><![CDATA[tok<en>]]></SessionToken>\n      <Expiration>2031-04-05T06:07:08.123+02:00</Expiration>\n    ",
          "\n    <SubjectFromWebIdentityToken>{r}:{s}</SubjectFromWebIdentityToken>\n    <Audience>aud</Audience>\n    <AssumedRoleUser><AssumedRoleId>AROA:parity</AssumedRoleId><Arn>arn:aws:sts::111111111111:assumed-role/deploy/parity</Arn></AssumedRoleUser>\n    <PackedPolicySize>7</PackedPolicySize>\n    <Provider>arn:aws:iam::111111111111:oidc-provider/x</Provider>\n    <SourceIdentity>me</SourceIdentity>",
        ),
      },
    ],
  ];
  for (const [name, canned] of cases) {
    it(`read alike: ${name}`, async () => {
      const { builtIn, sdk } = await both(request("a.b.c"), standInUrl, () => {
        script.push(canned);
      });
      expect(builtIn).toEqual(sdk);
    });
  }

  it("say what came back when it is not an AWS error document", async () => {
    const { builtIn } = await both(request("a.b.c"), standInUrl, () => {
      script.push({
        status: 502,
        type: "text/html",
        body: "<html><body>Bad Gateway</body></html>",
      });
    });
    expect(builtIn).toEqual({
      facts: {
        network: false,
        code: "Unknown",
        httpStatus: 502,
        message: "the answer was HTTP 502 (text/html) without an AWS error document",
      },
      retryable: true,
    });
  });

  it("read a dropped connection alike: a network failure, retried", async () => {
    const { builtIn, sdk } = await both(request("a.b.c"), standInUrl, () => {
      script.push("reset");
    });
    expect(builtIn).toEqual(sdk);
    expect(builtIn).toMatchObject({ facts: { network: true }, retryable: true });
  });

  it("send the same request body and content type", async () => {
    received.length = 0;
    const input = request("eyJ.eyJ.sig-_", {
      RoleSessionName: "bb-repo-12=,.@x",
      PolicyArns: [
        { arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
        { arn: "arn:aws:iam::111111111111:policy/a b" },
      ],
      Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]} !'()*~ é`,
      DurationSeconds: 900,
    });
    await both(input, standInUrl, () => {
      script.push({ status: 400, body: errorDoc("X", "y") });
    });
    const [ours, theirs] = received;
    expect(ours!.body).toBe(theirs!.body);
    expect(ours!.body).toBe(webIdentityBody(input));
    expect(ours!.headers["content-type"]).toBe(theirs!.headers["content-type"]);
    expect(ours!.headers["content-length"]).toBe(theirs!.headers["content-length"]);
    expect(ours!.headers["user-agent"]).toBe("bb-oidc/test");
  });
});

describe("an exchange with the built-in client and with the SDK", () => {
  const noWait = { nowMs: () => Date.now(), sleep: async () => {}, random: () => 0 };
  const builtInClient = { userAgent: "bb-oidc/test" };

  async function exchange(req: Omit<ExchangeRequest, "region" | "sessionName">) {
    const notices: string[] = [];
    try {
      const r = await exchangeCredentials({
        region: "eu-west-1",
        sessionName: "parity",
        clock: noWait,
        onNotice: (t) => notices.push(t),
        ...req,
      });
      return { arn: r.assumedRoleArn, notices };
    } catch (err) {
      const e = err as StsCallError;
      expect(e).toBeInstanceOf(StsCallError);
      return {
        error: { code: e.stsCode, message: e.message, status: e.httpStatus, attempts: e.attempts },
        notices,
      };
    }
  }

  it("retry throttling and IDP errors the same way, then succeed", async () => {
    const runs = [];
    for (const builtIn of [true, false]) {
      await fault({
        action: "AssumeRoleWithWebIdentity",
        status: 400,
        code: "Throttling",
        count: 2,
      });
      await fault({
        action: "AssumeRoleWithWebIdentity",
        status: 400,
        code: "IDPCommunicationError",
      });
      runs.push(
        await exchange({
          roleArn: ROLE_ARN,
          token: await world.mint(),
          endpoint: world.emu.awsEndpoint,
          ...(builtIn ? { builtInClient } : {}),
        }),
      );
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]!.notices).toHaveLength(3);
    expect(runs[0]!.arn).toBe("arn:aws:sts::111111111111:assumed-role/deploy/parity");
  });

  it("give up alike after --max-attempts on a non-XML 5xx", async () => {
    const runs = [];
    for (const builtIn of [true, false]) {
      for (let i = 0; i < 3; i++) script.push({ status: 503, type: "text/html", body: "<h1>busy" });
      runs.push(
        await exchange({
          roleArn: ROLE_ARN,
          token: await world.mint(),
          endpoint: standInUrl,
          retry: { maxAttempts: 3, maxTotalMs: 10_000, baseMs: 1, capMs: 1 },
          ...(builtIn ? { builtInClient } : {}),
        }),
      );
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).toMatchObject({ error: { code: "Unknown", status: 503, attempts: 3 } });
  });

  it("stop alike at the overall timeout when STS does not answer", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const messages = [];
      for (const builtIn of [true, false]) {
        const started = Date.now();
        const err = await exchangeCredentials({
          roleArn: ROLE_ARN,
          token: await world.mint(),
          region: "eu-west-1",
          sessionName: "parity",
          endpoint: url,
          timeoutMs: 300,
          ...(builtIn ? { builtInClient } : {}),
        }).catch((e: Error) => e);
        expect(Date.now() - started).toBeLessThan(5000);
        messages.push((err as Error).message);
      }
      expect(messages[0]).toBe(messages[1]);
      expect(messages[0]).toMatch(/had no answer within the exchange's 0.3 s/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("go through the same proxy", async () => {
    const proxy = createProxy(createServer());
    const seen: string[] = [];
    proxy.prependListener("request", (req) => seen.push(`${req.method} ${req.url}`));
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const env = { HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` };
      const runs = [];
      for (const builtIn of [true, false]) {
        runs.push(
          await exchange({
            roleArn: ROLE_ARN,
            token: await world.mint(),
            endpoint: world.emu.awsEndpoint,
            clientOptions: sdkNetworkOptions(env),
            ...(builtIn
              ? {
                  builtInClient: {
                    ...builtInClient,
                    agent: () => networkRoute(env).then((r) => r?.agent),
                  },
                }
              : {}),
          }),
        );
      }
      expect(runs[0]).toEqual(runs[1]);
      expect(runs[0]!.arn).toBe("arn:aws:sts::111111111111:assumed-role/deploy/parity");
      expect(seen).toEqual([`POST ${world.emu.awsEndpoint}/`, `POST ${world.emu.awsEndpoint}/`]);
    } finally {
      proxy.close();
    }
  });
});
