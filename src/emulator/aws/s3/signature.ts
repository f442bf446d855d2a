/**
 * SigV4 as S3 checks it: the canonical URI is the path as sent (S3 does not encode it again or
 * normalise it), and the payload hash is whatever `x-amz-content-sha256` says — a SHA-256,
 * `UNSIGNED-PAYLOAD` or a `STREAMING-…` mode — which the payload check then holds the body to.
 * Credentials are resolved by the emulator's one authenticator; only this comparison differs.
 */
import { timingSafeEqual } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import {
  headerValue,
  parseQueryForSigning,
  type ReceivedRequest,
  type SigV4Authorization,
} from "../sigv4.js";

export async function s3SignatureMatches(
  req: ReceivedRequest,
  auth: SigV4Authorization,
  credentials: { secretAccessKey: string; sessionToken?: string },
  signingDate: Date,
): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    if (name === "x-amz-date" || name === "x-amz-security-token") continue;
    const v = headerValue(req.headers, name);
    if (v === undefined) return false;
    headers[name] = v;
  }
  if (!auth.signedHeaders.includes("x-amz-date")) return false;
  const payloadHash = headerValue(req.headers, "x-amz-content-sha256");
  if (payloadHash === undefined) return false;
  headers["x-amz-content-sha256"] = payloadHash;
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
    uriEscapePath: false,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: "http:",
      hostname: (headerValue(req.headers, "host") ?? "").replace(/:\d+$/, ""),
      path: req.path,
      query: parseQueryForSigning(req.rawQuery),
      headers,
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
