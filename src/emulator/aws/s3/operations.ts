/**
 * The S3 operations the emulator serves, each from a REST request already authenticated and
 * decoded: which operation a method + address + query means, and what it answers.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { S3Address } from "./addressing.js";
import { etagOf, verifyChecksum, verifyContentMd5 } from "./checksums.js";
import { invalidArgument, methodNotAllowed, notImplemented } from "./errors.js";
import type { ObjectRecord } from "./records.js";
import type { S3State } from "./state.js";
import { isoTime, type S3Node, s3Document } from "./xml.js";

export interface S3Request {
  method: string;
  address: S3Address;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The decoded body. */
  data: Buffer;
  /** Trailing headers of an aws-chunked body (its checksum). */
  trailers: Record<string, string>;
  account: string;
  /** The signing region: where a new bucket goes unless the body says otherwise. */
  region: string;
}

export interface S3Response {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** The operation's name, for faults and logs. */
  operation: string;
}

/** Query parameters that only say which operation (or SDK bookkeeping), not a sub-resource. */
const PLAIN_QUERY = new Set([
  "x-id",
  "list-type",
  "prefix",
  "delimiter",
  "max-keys",
  "continuation-token",
  "start-after",
  "encoding-type",
  "fetch-owner",
  "marker",
  "location",
]);

/** The operation a request means (for fault injection before it runs). */
export function operationOf(req: Pick<S3Request, "method" | "address" | "query">): string {
  const { bucket, key } = req.address;
  if (!bucket) return req.method === "GET" ? "ListBuckets" : "Unknown";
  if (key === undefined) {
    if (req.method === "PUT") return "CreateBucket";
    if (req.method === "HEAD") return "HeadBucket";
    if (req.method === "DELETE") return "DeleteBucket";
    if (req.query.has("location")) return "GetBucketLocation";
    return req.query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
  }
  return (
    { PUT: "PutObject", GET: "GetObject", HEAD: "HeadObject", DELETE: "DeleteObject" }[
      req.method
    ] ?? "Unknown"
  );
}

export async function runOperation(s3: S3State, req: S3Request): Promise<S3Response> {
  const operation = operationOf(req);
  for (const name of req.query.keys()) {
    if (!PLAIN_QUERY.has(name)) throw notImplemented(`?${name}`);
  }
  if (req.headers["x-amz-copy-source"] !== undefined) throw notImplemented("x-amz-copy-source");
  const { bucket, key } = req.address;
  const ok = (status: number, headers: Record<string, string> = {}, body?: Buffer | string) => ({
    status,
    headers,
    operation,
    ...(body === undefined ? {} : { body }),
  });
  switch (operation) {
    case "ListBuckets": {
      const buckets = s3.listBuckets(req.account);
      return ok(
        200,
        xmlType(),
        s3Document("ListAllMyBucketsResult", [
          ["Owner", [["ID", req.account]]],
          [
            "Buckets",
            buckets.map(
              (b): S3Node => [
                "Bucket",
                [
                  ["Name", b.name],
                  ["CreationDate", isoTime(b.created)],
                  ["BucketRegion", b.region],
                ],
              ],
            ),
          ],
        ]),
      );
    }
    case "CreateBucket": {
      const region = locationConstraint(req.data) ?? req.region;
      await s3.createBucket(req.account, bucket!, region);
      return ok(200, { Location: `/${bucket}` });
    }
    case "HeadBucket": {
      const b = s3.requireBucket(req.account, bucket!);
      return ok(200, { "x-amz-bucket-region": b.region });
    }
    case "GetBucketLocation": {
      const b = s3.requireBucket(req.account, bucket!);
      // us-east-1 is written as an empty constraint, a legacy S3 keeps.
      return ok(
        200,
        xmlType(),
        s3Document("LocationConstraint", []).replace(
          "></LocationConstraint>",
          `>${b.region === "us-east-1" ? "" : b.region}</LocationConstraint>`,
        ),
      );
    }
    case "DeleteBucket":
      await s3.deleteBucket(req.account, bucket!);
      return ok(204);
    case "ListObjectsV2":
    case "ListObjects":
      return ok(200, xmlType(), listObjects(s3, req, operation === "ListObjectsV2"));
    case "PutObject": {
      verifyContentMd5(header(req.headers, "content-md5"), req.data);
      const checksum = verifyChecksum({ ...plainHeaders(req.headers), ...req.trailers }, req.data);
      const contentType = header(req.headers, "content-type");
      const record = await s3.putObject(req.account, bucket!, key!, req.data, {
        etag: etagOf(req.data),
        metadata: userMetadata(req.headers),
        ...(contentType ? { contentType } : {}),
        ...(checksum ? { checksum } : {}),
      });
      return ok(200, {
        ETag: record.etag,
        ...(checksum ? { [`x-amz-checksum-${checksum.algorithm}`]: checksum.value } : {}),
      });
    }
    case "HeadObject":
      return ok(200, objectHeaders(s3.headObject(req.account, bucket!, key!), req.headers));
    case "GetObject": {
      const { record, data } = s3.getObject(req.account, bucket!, key!);
      const headers = objectHeaders(record, req.headers);
      const range = byteRange(header(req.headers, "range"), data.length);
      if (!range) return ok(200, headers, data);
      headers["Content-Range"] = `bytes ${range[0]}-${range[1]}/${data.length}`;
      headers["Content-Length"] = String(range[1] - range[0] + 1);
      return ok(206, headers, data.subarray(range[0], range[1] + 1));
    }
    case "DeleteObject":
      await s3.deleteObject(req.account, bucket!, key!);
      return ok(204);
    default:
      throw methodNotAllowed(req.method, key === undefined ? "BUCKET" : "OBJECT");
  }
}

function xmlType(): Record<string, string> {
  return { "Content-Type": "application/xml" };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

function plainHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of Object.keys(headers)) out[k] = header(headers, k);
  return out;
}

function userMetadata(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(headers)) {
    if (k.startsWith("x-amz-meta-")) out[k.slice(11)] = header(headers, k) ?? "";
  }
  return out;
}

function objectHeaders(o: ObjectRecord, request: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {
    "Content-Type": o.contentType,
    "Content-Length": String(o.size),
    ETag: o.etag,
    "Last-Modified": new Date(o.lastModified).toUTCString(),
    "Accept-Ranges": "bytes",
  };
  for (const [k, v] of Object.entries(o.metadata)) out[`x-amz-meta-${k}`] = v;
  if (o.checksum && header(request, "x-amz-checksum-mode")?.toUpperCase() === "ENABLED") {
    out[`x-amz-checksum-${o.checksum.algorithm}`] = o.checksum.value;
  }
  return out;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; anything else is the whole object, as S3 treats it. */
function byteRange(value: string | undefined, size: number): [number, number] | undefined {
  const m = value ? /^bytes=(\d*)-(\d*)$/.exec(value.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "") || size === 0) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) {
    throw invalidArgument("The requested range is not satisfiable", "Range", value);
  }
  return [start, end];
}

function locationConstraint(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  const m = /<LocationConstraint>\s*([a-z0-9-]*)\s*<\/LocationConstraint>/.exec(
    body.toString("utf8"),
  );
  return m?.[1] || undefined;
}

function listObjects(s3: S3State, req: S3Request, v2: boolean): string {
  const q = req.query;
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") || undefined;
  const maxText = q.get("max-keys");
  const maxKeys = maxText === null ? 1000 : Number(maxText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw invalidArgument(
      "Provided max-keys not an integer or within integer range",
      "max-keys",
      maxText ?? "",
    );
  const encode = q.get("encoding-type") === "url";
  if (q.has("encoding-type") && !encode)
    throw invalidArgument(
      "Invalid Encoding Method specified in Request",
      "encoding-type",
      q.get("encoding-type")!,
    );
  const token = q.get("continuation-token");
  let after: string | undefined;
  if (v2 && token !== null) {
    after = Buffer.from(token, "base64url").toString("utf8");
    if (after === "")
      throw invalidArgument(
        "The continuation token provided is incorrect",
        "continuation-token",
        token,
      );
  } else after = (v2 ? q.get("start-after") : q.get("marker")) ?? undefined;
  const page = s3.listObjects(req.account, req.address.bucket!, {
    prefix,
    ...(delimiter ? { delimiter } : {}),
    ...(after === undefined ? {} : { after }),
    maxKeys: Math.min(maxKeys, 1000),
  });
  const name = (s: string) => (encode ? encodeURIComponent(s).replace(/%2F/g, "/") : s);
  const children: S3Node[] = [
    ["Name", req.address.bucket!],
    ["Prefix", name(prefix)],
  ];
  if (v2) {
    children.push(["KeyCount", page.objects.length + page.prefixes.length]);
    if (token !== null) children.push(["ContinuationToken", token]);
    if (q.has("start-after")) children.push(["StartAfter", name(q.get("start-after")!)]);
  } else children.push(["Marker", name(q.get("marker") ?? "")]);
  children.push(["MaxKeys", maxKeys]);
  if (delimiter) children.push(["Delimiter", name(delimiter)]);
  if (encode) children.push(["EncodingType", "url"]);
  children.push(["IsTruncated", page.truncated]);
  if (page.truncated && page.last !== undefined) {
    if (v2) children.push(["NextContinuationToken", Buffer.from(page.last).toString("base64url")]);
    else if (delimiter) children.push(["NextMarker", name(page.last)]);
  }
  for (const o of page.objects) {
    children.push([
      "Contents",
      [
        ["Key", name(o.key)],
        ["LastModified", isoTime(o.lastModified)],
        ["ETag", o.etag],
        ...(o.checksum
          ? ([["ChecksumAlgorithm", o.checksum.algorithm.toUpperCase()]] as S3Node[])
          : []),
        ["Size", o.size],
        ...(!v2 || q.get("fetch-owner") === "true"
          ? ([["Owner", [["ID", req.account]]]] as S3Node[])
          : []),
        ["StorageClass", "STANDARD"],
      ],
    ]);
  }
  for (const p of page.prefixes) children.push(["CommonPrefixes", [["Prefix", name(p)]]]);
  return s3Document("ListBucketResult", children);
}
