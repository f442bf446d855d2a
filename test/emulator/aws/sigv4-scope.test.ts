import { Sha256 } from "@aws-crypto/sha256-js";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { failure, startEndpoint } from "./helpers.js";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
beforeAll(async () => {
  ep = await startEndpoint();
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
});

function admin() {
  const { accessKeyId, secretAccessKey } = ep.accounts[0]!;
  return { accessKeyId, secretAccessKey };
}

/** A Query request signed as a client would, with the scope and headers the test chooses. */
async function signedPost(
  body: string,
  opts: { service: string; region: string; method?: string; unsignable?: string[] },
) {
  const url = new URL(ep.url);
  const signer = new SignatureV4({
    service: opts.service,
    region: opts.region,
    credentials: admin(),
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: opts.method ?? "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      headers: { host: url.host, "content-type": "application/x-www-form-urlencoded" },
      body,
    },
    opts.unsignable ? { unsignableHeaders: new Set(opts.unsignable) } : {},
  );
  const res = await fetch(ep.url, {
    method: opts.method ?? "POST",
    headers: signed.headers as Record<string, string>,
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
    message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
    text,
  };
}

describe("the credential scope", () => {
  test.each([
    "ap-southeast-2",
    "eu-central-2",
    "mx-central-1",
    "cn-north-1",
    "us-gov-west-1",
    "us-isob-east-1",
  ])(
    "SDK v3 clients configured for %s work: the emulator stands for every region",
    async (region) => {
      const identity = await new STSClient({
        endpoint: ep.url,
        region,
        credentials: admin(),
        maxAttempts: 1,
      }).send(new GetCallerIdentityCommand({}));
      expect(identity.Account).toBe("111111111111");
      const f = await failure(
        new IAMClient({ endpoint: ep.url, region, credentials: admin(), maxAttempts: 1 }).send(
          new GetRoleCommand({ RoleName: "none" }),
        ),
      );
      expect(f.name).toBe("NoSuchEntityException");
    },
  );

  test("a region AWS does not have is refused as AWS words it", async () => {
    const f = await failure(
      new STSClient({
        endpoint: ep.url,
        region: "xx-nowhere-1",
        credentials: admin(),
        maxAttempts: 1,
      }).send(new GetCallerIdentityCommand({})),
    );
    expect(f).toEqual({
      name: "SignatureDoesNotMatch",
      status: 403,
      message: "Credential should be scoped to a valid region.",
    });
  });

  test("the scope must name the service the action belongs to", async () => {
    const r = await signedPost("Action=ListRoles&Version=2010-05-08", {
      service: "sts",
      region: "us-east-1",
    });
    expect(r).toMatchObject({
      status: 403,
      code: "SignatureDoesNotMatch",
      message: "Credential should be scoped to correct service: 'iam'. ",
    });
    const right = await signedPost("Action=ListRoles&Version=2010-05-08", {
      service: "iam",
      region: "us-east-1",
    });
    expect(right.status).toBe(200);
  });

  test("an action no service has goes to the scope's service and is refused there", async () => {
    const r = await signedPost("Action=MakeMeAdmin&Version=2010-05-08", {
      service: "iam",
      region: "eu-west-1",
    });
    expect(r).toMatchObject({ status: 400, code: "InvalidAction" });
  });

  test("host must be signed", async () => {
    const r = await signedPost("Action=GetCallerIdentity&Version=2011-06-15", {
      service: "sts",
      region: "us-east-1",
      unsignable: ["host"],
    });
    expect(r).toMatchObject({
      status: 400,
      code: "IncompleteSignature",
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  test("the signature is still checked once the scope is right", async () => {
    const r = await signedPost("Action=GetCallerIdentity&Version=2011-06-15", {
      service: "sts",
      region: "ap-southeast-2",
    });
    expect(r.status).toBe(200);
    const tampered = await fetch(ep.url, {
      method: "POST",
      headers: {
        ...Object.fromEntries(
          Object.entries(
            (
              await new SignatureV4({
                service: "sts",
                region: "ap-southeast-2",
                credentials: admin(),
                sha256: Sha256,
              }).sign({
                method: "POST",
                protocol: "http:",
                hostname: new URL(ep.url).hostname,
                path: "/",
                headers: {
                  host: new URL(ep.url).host,
                  "content-type": "application/x-www-form-urlencoded",
                },
                body: "Action=GetCallerIdentity&Version=2011-06-15",
              })
            ).headers,
          ),
        ),
      },
      body: "Action=GetCallerIdentity&Version=2011-06-15&x=1",
    });
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
  });
});

describe("HTTP methods", () => {
  test.each(["PUT", "DELETE", "PATCH"])("a Query action by %s is refused", async (method) => {
    const r = await signedPost("Action=GetCallerIdentity&Version=2011-06-15", {
      service: "sts",
      region: "us-east-1",
      method,
    });
    expect(r).toMatchObject({ status: 405, code: "MethodNotAllowed" });
    expect(r.message).toContain("GET or POST");
  });
});
