/**
 * SigV4 as S3 checks it: the canonical URI is the path as sent (S3 does not encode it again or
 * normalise it), and the payload hash is whatever `x-amz-content-sha256` says — a SHA-256,
 * `UNSIGNED-PAYLOAD` or a `STREAMING-…` mode — which the payload check then holds the body to.
 * Credentials are resolved by the emulator's one authenticator; only this comparison differs.
 */
import {
  headerValue,
  type ReceivedRequest,
  recomputedSignatureMatches,
  type SigV4Authorization,
} from "../sigv4.js";

export async function s3SignatureMatches(
  req: ReceivedRequest,
  auth: SigV4Authorization,
  credentials: { secretAccessKey: string; sessionToken?: string },
  signingDate: Date,
): Promise<boolean> {
  const payloadHash = headerValue(req.headers, "x-amz-content-sha256");
  if (payloadHash === undefined) return false;
  return recomputedSignatureMatches(req, auth, credentials, signingDate, {
    uriEscapePath: false,
    payload: { hash: payloadHash },
  });
}
