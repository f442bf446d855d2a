/** The emulator's S3 driven by the AWS SDK for JavaScript v3, as deploy uses it. */
import { createHash } from "node:crypto";
import { request } from "node:http";
import { Readable } from "node:stream";
import { Sha256 } from "@aws-crypto/sha256-js";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { failure, s3, startEndpoint } from "./helpers.js";

let ep: Awaited<ReturnType<typeof startEndpoint>>;
let client: ReturnType<typeof s3>;
beforeAll(async () => {
  ep = await startEndpoint();
  client = s3(ep.url, ep.accounts[0]!);
  await client.send(
    new CreateBucketCommand({
      Bucket: "templates",
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    }),
  );
});
afterAll(async () => {
  expect(ep.errors).toEqual([]);
  await ep.close();
});

describe("objects", () => {
  test("put (signed payload hash and CRC32), get, head, list, delete", async () => {
    const put = await client.send(
      new PutObjectCommand({
        Bucket: "templates",
        Key: "bb-oidc/a b.yaml",
        Body: "Resources: {}\n",
        ContentType: "application/x-yaml",
        Metadata: { team: "platform" },
      }),
    );
    expect(put.ETag).toBe(`"${createHash("md5").update("Resources: {}\n").digest("hex")}"`);
    expect(put.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);

    const got = await client.send(
      new GetObjectCommand({ Bucket: "templates", Key: "bb-oidc/a b.yaml" }),
    );
    expect(await got.Body!.transformToString()).toBe("Resources: {}\n");
    expect(got.ContentType).toBe("application/x-yaml");
    expect(got.Metadata).toEqual({ team: "platform" });

    const head = await client.send(
      new HeadObjectCommand({ Bucket: "templates", Key: "bb-oidc/a b.yaml" }),
    );
    expect(head.ContentLength).toBe(14);
    expect(head.ETag).toBe(put.ETag);

    await client.send(new DeleteObjectCommand({ Bucket: "templates", Key: "bb-oidc/a b.yaml" }));
    expect(
      await failure(
        client.send(new HeadObjectCommand({ Bucket: "templates", Key: "bb-oidc/a b.yaml" })),
      ),
    ).toMatchObject({ name: "NotFound", status: 404 });
    // Deleting what is gone succeeds, as in S3.
    await client.send(new DeleteObjectCommand({ Bucket: "templates", Key: "bb-oidc/a b.yaml" }));
  });

  test("a streamed body goes as aws-chunked with a trailing checksum", async () => {
    await client.send(
      new PutObjectCommand({
        Bucket: "templates",
        Key: "streamed.json",
        Body: Readable.from([Buffer.from('{"Resources":'), Buffer.from("{}}")]),
        ContentLength: 16,
      }),
    );
    const got = await client.send(
      new GetObjectCommand({ Bucket: "templates", Key: "streamed.json" }),
    );
    expect(await got.Body!.transformToString()).toBe('{"Resources":{}}');
  });

  test("lists with prefix, delimiter and continuation", async () => {
    for (const k of ["p/1", "p/2", "p/3", "p/sub/4", "q/5"]) {
      await client.send(new PutObjectCommand({ Bucket: "templates", Key: k, Body: k }));
    }
    const first = await client.send(
      new ListObjectsV2Command({ Bucket: "templates", Prefix: "p/", Delimiter: "/", MaxKeys: 2 }),
    );
    expect(first.Contents?.map((c) => c.Key)).toEqual(["p/1", "p/2"]);
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(
      new ListObjectsV2Command({
        Bucket: "templates",
        Prefix: "p/",
        Delimiter: "/",
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.Contents?.map((c) => c.Key)).toEqual(["p/3"]);
    expect(second.CommonPrefixes?.map((c) => c.Prefix)).toEqual(["p/sub/"]);
    expect(second.IsTruncated).toBe(false);
  });
});

describe("refusals in S3's own words", () => {
  test("missing key and bucket, another account's bucket, bad and taken names", async () => {
    expect(
      await failure(client.send(new GetObjectCommand({ Bucket: "templates", Key: "nope" }))),
    ).toEqual({
      name: "NoSuchKey",
      message: "The specified key does not exist.",
      status: 404,
    });
    expect(
      await failure(client.send(new GetObjectCommand({ Bucket: "no-such-bucket", Key: "k" }))),
    ).toMatchObject({
      name: "NoSuchBucket",
      status: 404,
    });
    const other = s3(ep.url, ep.accounts[1]!);
    expect(
      await failure(other.send(new GetObjectCommand({ Bucket: "templates", Key: "p/1" }))),
    ).toMatchObject({
      name: "AccessDenied",
      message: "Access Denied",
      status: 403,
    });
    expect(
      await failure(
        other.send(
          new CreateBucketCommand({
            Bucket: "templates",
            CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
          }),
        ),
      ),
    ).toMatchObject({ name: "BucketAlreadyExists", status: 409 });
    expect(
      await failure(
        client.send(
          new CreateBucketCommand({
            Bucket: "templates",
            CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
          }),
        ),
      ),
    ).toMatchObject({ name: "BucketAlreadyOwnedByYou", status: 409 });
    expect(
      await failure(client.send(new CreateBucketCommand({ Bucket: "Bad_Name" }))),
    ).toMatchObject({
      name: "InvalidBucketName",
      status: 400,
    });
    // us-east-1 keeps its legacy: creating a bucket you own there again succeeds.
    const east = s3(ep.url, ep.accounts[0]!, "us-east-1");
    await east.send(new CreateBucketCommand({ Bucket: "east-bucket" }));
    await east.send(new CreateBucketCommand({ Bucket: "east-bucket" }));
  });

  test("a wrong secret, a body that is not what was hashed, a wrong checksum", async () => {
    const wrong = s3(ep.url, { ...ep.accounts[0]!, secretAccessKey: "x".repeat(40) });
    expect(
      await failure(wrong.send(new GetObjectCommand({ Bucket: "templates", Key: "p/1" }))),
    ).toMatchObject({
      name: "SignatureDoesNotMatch",
      status: 403,
    });
    const signed = await signedPut("/templates/tampered", "original", {
      "x-amz-content-sha256": sha256("original"),
    });
    const tampered = await send(signed, "0riginal");
    expect(tampered.status).toBe(400);
    expect(tampered.body).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
    expect(tampered.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error>/);

    const badCrc = await signedPut("/templates/crc", "data", {
      "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
      "x-amz-checksum-crc32": "AAAAAA==",
    });
    const r = await send(badCrc, "data");
    expect(r.status).toBe(400);
    expect(r.body).toContain("<Code>BadDigest</Code>");
  });

  test("virtual-hosted addressing names the bucket in the Host header", async () => {
    const port = new URL(ep.url).port;
    const req = await signedPut("/vhost.txt", "hosted", {
      "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
      host: `templates.localhost:${port}`,
    });
    expect((await send(req, "hosted")).status).toBe(200);
    const got = await client.send(new GetObjectCommand({ Bucket: "templates", Key: "vhost.txt" }));
    expect(await got.Body!.transformToString()).toBe("hosted");
  });

  test("unsigned requests are refused, and the Query services still answer", async () => {
    const r = await send({ method: "GET", path: "/templates/p/1", headers: {} }, "");
    expect(r.status).toBe(403);
    expect(r.body).toContain("<Code>AccessDenied</Code>");
  });
});

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

async function signedPut(
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<RawRequest> {
  const { port } = new URL(ep.url);
  const host = headers.host ?? `127.0.0.1:${port}`;
  const signer = new SignatureV4({
    service: "s3",
    region: "eu-west-1",
    credentials: ep.accounts[0]!,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign({
    method: "PUT",
    protocol: "http:",
    hostname: host.replace(/:\d+$/, ""),
    port: Number(port),
    path,
    headers: { ...headers, host, "content-length": String(Buffer.byteLength(body)) },
    body,
  });
  return { method: "PUT", path, headers: signed.headers as Record<string, string> };
}

function send(req: RawRequest, body: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(ep.url);
  return new Promise((resolve, reject) => {
    const r = request(
      { host: "127.0.0.1", port, method: req.method, path: req.path, headers: req.headers },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

test("the emulator's own endpoints stay its own, whatever the method", async () => {
  const r = await fetch(`${ep.url}/_emulator/faults`, { method: "DELETE" });
  expect(r.status).toBe(200);
  expect(await r.json()).toEqual({ pending: [] });
});
