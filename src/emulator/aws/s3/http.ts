/**
 * S3's REST protocol on the emulator's AWS port: which requests are S3's, and the whole exchange
 * for one of them — authentication with the shared authenticator (S3's canonical request),
 * the body by its payload mode, the operation, and S3's own response and error shapes.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "../authenticate.js";
import type { AwsBackend } from "../backend.js";
import { readBody } from "../body.js";
import { AwsError } from "../errors.js";
import { headerValue, parseAuthorization, type ReceivedRequest } from "../sigv4.js";
import { addressOf, virtualBucket } from "./addressing.js";
import { accessDenied, S3Error } from "./errors.js";
import { operationOf, runOperation } from "./operations.js";
import { type ChunkSigning, decodePayload, isKnownPayloadMode, signingKey } from "./payload.js";
import { s3SignatureMatches } from "./signature.js";
import { MAX_OBJECT_BYTES, s3State } from "./state.js";
import { s3ErrorDocument } from "./xml.js";

const S3_PATH = /^\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/|$)/;

/**
 * Whether a request is for S3: signed for the `s3` service, or (unsigned) addressed as S3 is —
 * a virtual-hosted bucket name, a bucket path, or a method the Query protocol never uses.
 */
export function isS3Request(req: IncomingMessage, path: string): boolean {
  if (path.startsWith("/_emulator/")) return false;
  const auth = req.headers.authorization;
  if (auth !== undefined) return /Credential=[^/,]+\/\d{8}\/[^/]+\/s3\/aws4_request/.test(auth);
  if (virtualBucket(req.headers.host) !== undefined) return true;
  const method = req.method ?? "GET";
  if (method === "PUT" || method === "HEAD" || method === "DELETE") return true;
  return method === "GET" && S3_PATH.test(path);
}

export interface S3HttpOptions {
  backend: AwsBackend;
  bodyIdleMs?: number;
}

export async function handleS3Request(
  req: IncomingMessage,
  res: ServerResponse,
  opts: S3HttpOptions,
): Promise<void> {
  const requestId = randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase();
  const hostId = randomBytes(32).toString("base64");
  const head = req.method === "HEAD";
  try {
    const answer = await exchange(req, opts);
    write(
      opts.backend.now(),
      res,
      answer.status,
      { ...answer.headers },
      head ? undefined : answer.body,
      requestId,
      hostId,
    );
  } catch (err) {
    const e = toS3Error(err);
    const body = s3ErrorDocument(e, requestId, hostId);
    write(
      opts.backend.now(),
      res,
      e.status,
      { "Content-Type": "application/xml" },
      head ? undefined : body,
      requestId,
      hostId,
    );
    if (e.status === 413 || e.code === "RequestTimeout") res.on("finish", () => req.destroy());
  }
}

async function exchange(req: IncomingMessage, opts: S3HttpOptions) {
  const backend = opts.backend;
  const raw = req.url ?? "/";
  const q = raw.indexOf("?");
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const rawQuery = q < 0 ? "" : raw.slice(q + 1);
  const query = new URLSearchParams(rawQuery);
  const address = addressOf(req.headers.host, rawPath);
  const method = req.method ?? "GET";
  const header = req.headers.authorization;
  if (header === undefined) {
    if (query.has("X-Amz-Signature"))
      throw accessDenied(
        "Query-string (pre-signed) authentication is not supported by the emulator; sign with the Authorization header.",
      );
    throw accessDenied();
  }
  const auth = parseAuthorization(header);
  const mode = headerValue(req.headers, "x-amz-content-sha256");
  if (mode === undefined) {
    throw new S3Error(
      "InvalidRequest",
      400,
      "Missing required header for this request: x-amz-content-sha256",
    );
  }
  if (!isKnownPayloadMode(mode)) {
    throw new S3Error(
      "InvalidArgument",
      400,
      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.",
      { ArgumentName: "x-amz-content-sha256", ArgumentValue: mode },
    );
  }
  const fault = backend.faults.take("s3", operationOf({ method, address, query }));
  if (fault)
    throw new S3Error(fault.code, fault.status, fault.message ?? `Injected fault: ${fault.code}`);
  // Chunk framing adds a few bytes per 64 KiB chunk: room for it above the object limit.
  const body = await readBody(req, MAX_OBJECT_BYTES + 1024 * 1024, opts.bodyIdleMs);
  const received: ReceivedRequest = { method, path: rawPath, rawQuery, headers: req.headers, body };
  let secret: string | undefined;
  const caller = await authenticate(
    received,
    auth,
    {
      accounts: backend.accounts,
      sessions: backend.sessions,
      now: () => backend.now(),
    },
    async (r, a, credentials, date) => {
      const ok = await s3SignatureMatches(r, a, credentials, date);
      if (ok) secret = credentials.secretAccessKey;
      return ok;
    },
  );
  const amzDate = headerValue(req.headers, "x-amz-date")!;
  const signing: ChunkSigning = {
    key: signingKey(secret!, auth.scopeDate, auth.region, auth.service),
    amzDate,
    scope: `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`,
    seed: auth.signature,
  };
  const { data, trailers } = decodePayload(mode, body, signing);
  return runOperation(
    s3State(backend.store, () => backend.now()),
    {
      method,
      address,
      query,
      headers: req.headers,
      data,
      trailers,
      account: caller.account,
      region: auth.region,
    },
  );
}

/** The shared authenticator speaks the Query protocol's codes; S3 names two of them otherwise. */
function toS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (err instanceof AwsError) {
    if (err.code === "InvalidClientTokenId")
      return new S3Error(
        "InvalidAccessKeyId",
        403,
        "The AWS Access Key Id you provided does not exist in our records.",
      );
    if (err.code === "RequestEntityTooLarge")
      return new S3Error(
        "EntityTooLarge",
        400,
        "Your proposed upload exceeds the maximum allowed size",
      );
    if (err.code === "IncompleteSignature")
      return new S3Error("AuthorizationHeaderMalformed", 400, err.message);
    return new S3Error(err.code, err.httpStatus, err.message);
  }
  throw err;
}

function write(
  now: number,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer | string | undefined,
  requestId: string,
  hostId: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const bytes =
    body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const out: Record<string, string | number> = {
    "x-amz-request-id": requestId,
    "x-amz-id-2": hostId,
    // The emulator's clock, so SDK clock-skew correction agrees with it.
    Date: new Date(now).toUTCString(),
    Server: "AmazonS3",
    ...headers,
  };
  if (bytes !== undefined) out["Content-Length"] = bytes.length;
  else if (out["Content-Length"] === undefined) out["Content-Length"] = 0;
  res.writeHead(status, out);
  res.end(bytes);
}
