import { connect } from "node:net";
import { Sha256 } from "@aws-crypto/sha256-js";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { failure, startEndpoint, sts } from "./helpers.js";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
beforeAll(async () => {
  ep = await startEndpoint({ timeouts: { headersMs: 400, requestMs: 2000, bodyIdleMs: 300 } });
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
});

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(ep.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
  return {
    status: res.status,
    text: await res.text(),
    requestId: res.headers.get("x-amzn-requestid"),
  };
}

function code(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

/** Sends raw bytes and returns what the server answers before closing. */
function raw(bytes: string, waitMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(ep.url);
    const socket = connect(Number(url.port), url.hostname);
    let out = "";
    socket.on("data", (d) => {
      out += d.toString("utf8");
    });
    socket.on("close", () => resolve(out));
    socket.on("error", reject);
    socket.write(bytes);
    setTimeout(() => socket.destroy(), waitMs);
  });
}

describe("wire shapes", () => {
  test("an error is AWS's ErrorResponse with a request id", async () => {
    const r = await post("Action=GetCallerIdentity&Version=2011-06-15");
    expect(r.status).toBe(403);
    expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.text).toBe(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message></Error><RequestId>${r.requestId}</RequestId></ErrorResponse>`,
    );
  });

  test("a signed GET with the parameters in the query string", async () => {
    const admin = ep.accounts[0]!;
    const url = new URL(ep.url);
    const signer = new SignatureV4({
      service: "sts",
      region: "us-east-1",
      credentials: admin,
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: "GET",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
      headers: { host: url.host },
    });
    const res = await fetch(`${ep.url}/?Action=GetCallerIdentity&Version=2011-06-15`, {
      headers: signed.headers as Record<string, string>,
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(
      /^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><Arn>arn:aws:iam::111111111111:root<\/Arn><UserId>111111111111<\/UserId><Account>111111111111<\/Account><\/GetCallerIdentityResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/GetCallerIdentityResponse>$/,
    );
  });

  test("values are escaped in XML", async () => {
    const r = await post(
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::111111111111:role/x&RoleSessionName=%3Cb%3E%26&WebIdentityToken=abcd",
    );
    expect(r.status).toBe(400);
    expect(r.text).toContain("Value '&lt;b&gt;&amp;' at 'roleSessionName'");
  });
});

describe("bad input", () => {
  test("unknown action", async () => {
    const r = await post("Action=MakeMeAdmin&Version=2011-06-15");
    expect(r.status).toBe(400);
    expect(code(r.text)).toBe("InvalidAction");
  });

  test("wrong version", async () => {
    const r = await post("Action=AssumeRoleWithWebIdentity&Version=1999-01-01");
    expect(code(r.text)).toBe("InvalidAction");
  });

  test("no action", async () => {
    const r = await post("Version=2011-06-15");
    expect(r.status).toBe(400);
    expect(code(r.text)).toBe("MissingAction");
  });

  test("a body that is not form encoding", async () => {
    const r = await post("Action=%ZZ&Version=2011-06-15");
    expect(r.status).toBe(404);
    expect(code(r.text)).toBe("MalformedQueryString");
    const json = await post('{"Action":"GetCallerIdentity"}', {
      "content-type": "application/json",
    });
    expect(code(json.text)).toBe("MissingAction");
  });

  test("an oversized body", async () => {
    const r = await post("a".repeat(1024 * 1024 + 10));
    expect(r.status).toBe(413);
    expect(code(r.text)).toBe("RequestEntityTooLarge");
  });

  test("a malformed Authorization header", async () => {
    const r = await post("Action=GetCallerIdentity&Version=2011-06-15", {
      authorization: "AWS4-HMAC-SHA256 Credential=AKIA/bad",
    });
    expect(r.status).toBe(400);
    expect(code(r.text)).toBe("IncompleteSignature");
    const basic = await post("Action=GetCallerIdentity&Version=2011-06-15", {
      authorization: "Basic dXNlcjpwYXNz",
    });
    expect(code(basic.text)).toBe("IncompleteSignature");
  });

  test("a service the endpoint does not serve", async () => {
    const r = await post("Action=ListTables", {
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAAAAAAAAAAAAAAAAA/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=${"0".repeat(64)}`,
    });
    expect(code(r.text)).toBe("InvalidAction");
  });

  test("garbage instead of HTTP", async () => {
    const out = await raw("HELLO THERE\r\n\r\n");
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toContain("<Code>MalformedHTTPRequest</Code>");
  });

  test("a client that stalls inside its body", async () => {
    const out = await raw(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=",
    );
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toContain("<Code>RequestTimeout</Code>");
  });

  test("a client that never finishes its headers", async () => {
    const out = await raw("POST / HTTP/1.1\r\nHost: x\r\n");
    expect(out).toMatch(/^HTTP\/1\.1 408 /);
    expect(out).toContain("<Code>RequestTimeout</Code>");
  });
});

describe("fault injection", () => {
  async function addFault(fault: unknown) {
    const res = await fetch(`${ep.url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify(fault),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  test("the SDK retries injected 500s and throttling, then succeeds", async () => {
    expect(
      (
        await addFault({
          action: "GetCallerIdentity",
          status: 500,
          code: "InternalFailure",
          count: 1,
        })
      ).status,
    ).toBe(200);
    await addFault({ action: "GetCallerIdentity", status: 400, code: "Throttling", count: 1 });
    const client = sts(ep.url, ep.accounts[0]!, 3);
    const out = await client.send(new GetCallerIdentityCommand({}));
    expect(out.$metadata.attempts).toBe(3);
    expect(out.Account).toBe("111111111111");
  });

  test("without retries the injected error reaches the caller", async () => {
    await addFault({ status: 503, code: "ServiceUnavailable", message: "try later", count: 1 });
    const f = await failure(sts(ep.url, ep.accounts[0]!).send(new GetCallerIdentityCommand({})));
    expect(f).toMatchObject({ name: "ServiceUnavailable", status: 503, message: "try later" });
  });

  test("bad fault specs are refused", async () => {
    expect((await addFault({ status: 200, code: "X" })).status).toBe(400);
    expect((await addFault({ status: 500 })).status).toBe(400);
    const listed = await (await fetch(`${ep.url}/_emulator/faults`)).json();
    expect(listed).toEqual({ pending: [] });
  });
});
