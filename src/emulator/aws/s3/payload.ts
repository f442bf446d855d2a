/**
 * The body of a signed S3 request, as the SDKs send it (docs/aws-behaviour.md, "S3"): its SHA-256
 * in `x-amz-content-sha256`, `UNSIGNED-PAYLOAD`, or `aws-chunked` framing with per-chunk
 * signatures (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`) and/or a trailing checksum
 * (`…-TRAILER`). Returns the decoded bytes and any trailing headers.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { S3Error } from "./errors.js";

export const UNSIGNED = "UNSIGNED-PAYLOAD";
const STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
const STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export interface ChunkSigning {
  /** HMAC key derived for the request's scope. */
  key: Buffer;
  amzDate: string;
  /** `YYYYMMDD/region/s3/aws4_request`. */
  scope: string;
  /** The request's own signature: the first chunk's "previous signature". */
  seed: string;
}

export interface DecodedPayload {
  data: Buffer;
  trailers: Record<string, string>;
}

const sha256hex = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

export function isStreaming(mode: string): boolean {
  return mode.startsWith("STREAMING-");
}

export function isKnownPayloadMode(mode: string): boolean {
  return (
    /^[0-9a-f]{64}$/.test(mode) ||
    mode === UNSIGNED ||
    mode === STREAMING_SIGNED ||
    mode === STREAMING_SIGNED_TRAILER ||
    mode === STREAMING_UNSIGNED_TRAILER
  );
}

function invalidChunk(message: string): S3Error {
  return new S3Error("IncompleteBody", 400, `The aws-chunked body is malformed: ${message}`);
}

function signatureMismatch(): S3Error {
  return new S3Error(
    "SignatureDoesNotMatch",
    403,
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  );
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Decodes the body for `mode`. For a plain hash the body is compared with it; for signed chunks
 * each chunk signature (and the trailer's) is checked against the chain started by the request.
 */
export function decodePayload(
  mode: string,
  body: Buffer,
  signing: ChunkSigning | undefined,
): DecodedPayload {
  if (/^[0-9a-f]{64}$/.test(mode)) {
    const computed = sha256hex(body);
    if (computed !== mode) {
      throw new S3Error(
        "XAmzContentSHA256Mismatch",
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: mode, S3ComputedContentSHA256: computed },
      );
    }
    return { data: body, trailers: {} };
  }
  if (!isStreaming(mode)) return { data: body, trailers: {} };
  const signed = mode === STREAMING_SIGNED || mode === STREAMING_SIGNED_TRAILER;
  const parts: Buffer[] = [];
  let previous = signing?.seed ?? "";
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at);
    if (eol < 0) throw invalidChunk("a chunk header has no line end");
    const header = body.subarray(at, eol).toString("latin1");
    const [sizeText, ...exts] = header.split(";");
    const size = Number.parseInt(sizeText ?? "", 16);
    if (!/^[0-9a-fA-F]+$/.test(sizeText ?? "") || !Number.isSafeInteger(size))
      throw invalidChunk(`bad chunk size ${JSON.stringify(sizeText)}`);
    const start = eol + 2;
    const data = body.subarray(start, start + size);
    if (data.length !== size) throw invalidChunk("a chunk is shorter than its size");
    if (signed) {
      const claimed = exts.find((e) => e.startsWith("chunk-signature="))?.slice(16) ?? "";
      const expected = chunkSignature(signing!, previous, data);
      if (!sameHex(expected, claimed)) throw signatureMismatch();
      previous = expected;
    }
    parts.push(data);
    at = start + size;
    if (size === 0) break;
    if (body.subarray(at, at + 2).toString("latin1") !== "\r\n")
      throw invalidChunk("a chunk is not followed by a line end");
    at += 2;
  }
  const trailers = parseTrailers(body.subarray(at).toString("latin1"));
  if (mode === STREAMING_SIGNED_TRAILER) {
    const claimed = trailers["x-amz-trailer-signature"] ?? "";
    delete trailers["x-amz-trailer-signature"];
    const canonical = Object.entries(trailers)
      .map(([k, v]) => `${k}:${v}\n`)
      .join("");
    const expected = hmacHex(
      signing!.key,
      [
        "AWS4-HMAC-SHA256-TRAILER",
        signing!.amzDate,
        signing!.scope,
        previous,
        sha256hex(canonical),
      ].join("\n"),
    );
    if (!sameHex(expected, claimed)) throw signatureMismatch();
  }
  return { data: Buffer.concat(parts), trailers };
}

function parseTrailers(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon < 0) throw invalidChunk(`a trailer line has no colon: ${JSON.stringify(line)}`);
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

function hmacHex(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text).digest("hex");
}

function chunkSignature(s: ChunkSigning, previous: string, data: Uint8Array): string {
  return hmacHex(
    s.key,
    ["AWS4-HMAC-SHA256-PAYLOAD", s.amzDate, s.scope, previous, EMPTY_SHA256, sha256hex(data)].join(
      "\n",
    ),
  );
}

/** SigV4's signing key for one day, region and service. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const k = (key: Buffer | string, text: string) => createHmac("sha256", key).update(text).digest();
  return k(k(k(k(`AWS4${secret}`, date), region), service), "aws4_request");
}
