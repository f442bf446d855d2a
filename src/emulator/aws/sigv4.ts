import { timingSafeEqual } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { isAwsRegion } from "../../shared/aws-partitions.js";
import { AwsError } from "./errors.js";

/** The parts of `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
export interface SigV4Authorization {
  accessKeyId: string;
  /** `YYYYMMDD` from the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  /** Lower-case header names in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
}

/** The request as received, before any interpretation. */
export interface ReceivedRequest {
  method: string;
  /** Decoded path without the query, e.g. `/`. */
  path: string;
  /** The raw query string without `?`. */
  rawQuery: string;
  /** Node's lower-cased header map. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const ALGORITHM = "AWS4-HMAC-SHA256";

function incomplete(message: string): AwsError {
  return new AwsError("IncompleteSignature", 400, message);
}

/** Parses the header; every malformation is `IncompleteSignature`, as AWS answers it. */
export function parseAuthorization(header: string): SigV4Authorization {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${ALGORITHM} `)) {
    throw incomplete(
      `Authorization header requires the ${ALGORITHM} algorithm (got '${trimmed.split(" ")[0] ?? ""}').`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(ALGORITHM.length).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ["Credential", "SignedHeaders", "Signature"].filter((f) => !fields.get(f));
  if (missing.length > 0) {
    throw incomplete(
      missing.map((f) => `Authorization header requires '${f}' parameter.`).join(" ") +
        ` Authorization=${trimmed.split(" ")[0]}`,
    );
  }
  const credential = fields.get("Credential")!;
  const scope = credential.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !/^\d{8}$/.test(scope[1]!)) {
    throw incomplete(
      `Credential should be scoped to a valid region, service and date: '<key>/YYYYMMDD/<region>/<service>/aws4_request'.`,
    );
  }
  const signature = fields.get("Signature")!;
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    throw incomplete("Signature must be 64 lower-case hexadecimal characters.");
  }
  const signedHeaders = fields
    .get("SignedHeaders")!
    .split(";")
    .map((h) => h.trim().toLowerCase());
  // An unsigned Host would let a signature be replayed against another endpoint.
  if (!signedHeaders.includes("host")) {
    throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return {
    accessKeyId: scope[0]!,
    scopeDate: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders,
    signature,
  };
}

/** The credential scope must name the service called, as AWS words it when it does not. */
export function checkScopedService(auth: SigV4Authorization, calledService: string): void {
  if (auth.service !== calledService) {
    throw new AwsError(
      "SignatureDoesNotMatch",
      403,
      `Credential should be scoped to correct service: '${calledService}'. `,
    );
  }
}

/**
 * The credential scope must name a region AWS has. Any real region passes: the emulator stands
 * for all of them at once, and a client signs with whichever it is configured for.
 */
export function checkScopedRegion(auth: SigV4Authorization): void {
  if (!isAwsRegion(auth.region)) {
    throw new AwsError(
      "SignatureDoesNotMatch",
      403,
      "Credential should be scoped to a valid region.",
    );
  }
}

/** `20240101T120000Z` → Date, or undefined when it is not in that exact basic ISO 8601 form. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function headerValue(headers: ReceivedRequest["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/**
 * Recomputes the signature with the SDK's own signer from exactly what was received (method,
 * path, query, the signed headers only, the body) and compares in constant time. Reusing the
 * SDK's canonicalisation means the emulator and its clients cannot disagree on it.
 */
export async function signatureMatches(
  req: ReceivedRequest,
  auth: SigV4Authorization,
  credentials: { secretAccessKey: string; sessionToken?: string },
  signingDate: Date,
): Promise<boolean> {
  const payloadHash = await sha256Hex(req.body);
  const claimed = headerValue(req.headers, "x-amz-content-sha256");
  // A signed content hash that is not the body's hash would let a body be swapped.
  if (claimed !== undefined && claimed !== payloadHash) return false;
  return recomputedSignatureMatches(req, auth, credentials, signingDate, {
    uriEscapePath: true,
    payload: { body: req.body },
  });
}

/**
 * The one comparison every service's signature check ends in: the signature recomputed with the
 * SDK's own signer from exactly what was received. Services differ only in how the canonical
 * URI is written (`uriEscapePath`; S3 takes the path as sent) and where the payload hash comes
 * from (the body, hashed by the signer, or for S3 what `x-amz-content-sha256` says: the signer
 * takes a hash given in that header, which every S3 client signs).
 */
export async function recomputedSignatureMatches(
  req: ReceivedRequest,
  auth: SigV4Authorization,
  credentials: { secretAccessKey: string; sessionToken?: string },
  signingDate: Date,
  how: { uriEscapePath: boolean; payload: { body: Buffer } | { hash: string } },
): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    // The signer writes these two itself from signingDate and the credentials.
    if (name === "x-amz-date" || name === "x-amz-security-token") continue;
    const v = headerValue(req.headers, name);
    if (v === undefined) return false;
    headers[name] = v;
  }
  if (!auth.signedHeaders.includes("x-amz-date")) return false;
  if ("hash" in how.payload) headers["x-amz-content-sha256"] = how.payload.hash;
  const body = "body" in how.payload ? how.payload.body : undefined;

  const sessionToken = auth.signedHeaders.includes("x-amz-security-token")
    ? credentials.sessionToken
    : undefined;
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials: {
      accessKeyId: auth.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
    },
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: how.uriEscapePath,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: "http:",
      hostname: (headerValue(req.headers, "host") ?? "").replace(/:\d+$/, ""),
      path: req.path,
      query: parseQueryForSigning(req.rawQuery),
      headers,
      body: body && body.length > 0 ? new Uint8Array(body) : undefined,
    },
    {
      signingDate,
      signableHeaders: new Set(auth.signedHeaders),
      signingRegion: auth.region,
      signingService: auth.service,
    },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ""))?.[1];
  if (!expected) return false;
  return timingSafeEqual(Buffer.from(expected, "utf8"), Buffer.from(auth.signature, "utf8"));
}

async function sha256Hex(body: Buffer): Promise<string> {
  const h = new Sha256();
  h.update(new Uint8Array(body));
  return Buffer.from(await h.digest()).toString("hex");
}

export function parseQueryForSigning(raw: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of raw.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, " "));
      value = decodeURIComponent((eq < 0 ? "" : pair.slice(eq + 1)).replace(/\+/g, " "));
    } catch {
      continue;
    }
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}
