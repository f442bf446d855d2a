import type { Accounts } from "./accounts.js";
import { type Caller, rootCaller, sessionCaller, userCaller } from "./caller.js";
import { AwsError } from "./errors.js";
import type { SessionAuthority } from "./sessions.js";
import {
  checkScopedRegion,
  headerValue,
  parseAmzDate,
  type ReceivedRequest,
  type SigV4Authorization,
  signatureMatches,
} from "./sigv4.js";

/** AWS refuses signatures more than 15 minutes away from its clock. */
const MAX_SKEW_SECONDS = 15 * 60;

const INVALID_TOKEN = "The security token included in the request is invalid.";

export interface Authenticator {
  accounts: Accounts;
  sessions: SessionAuthority;
  /** Epoch milliseconds. */
  now(): number;
}

/** Compares a request's signature; S3 canonicalises differently (src/emulator/aws/s3/). */
export type SignatureCheck = typeof signatureMatches;

/**
 * Resolves the signing key to a caller and checks the signature. The order follows what AWS
 * reports first: malformed header, scope, date, unknown key, session token, expiry, signature.
 */
export async function authenticate(
  req: ReceivedRequest,
  auth: SigV4Authorization,
  env: Authenticator,
  signatureCheck: SignatureCheck = signatureMatches,
): Promise<Caller> {
  checkScopedRegion(auth);
  const amzDate = headerValue(req.headers, "x-amz-date");
  if (amzDate === undefined) {
    throw new AwsError(
      "IncompleteSignature",
      400,
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) {
    throw new AwsError(
      "IncompleteSignature",
      400,
      `X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z' (got '${amzDate}').`,
    );
  }
  if (amzDate.slice(0, 8) !== auth.scopeDate) {
    throw new AwsError(
      "SignatureDoesNotMatch",
      403,
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  checkSkew(amzDate, signingDate, env.now());

  let caller: Caller;
  let secretAccessKey: string;
  let sessionToken: string | undefined;
  const token = headerValue(req.headers, "x-amz-security-token");
  const account = env.accounts.byAccessKeyId(auth.accessKeyId);
  const userKey = account ? undefined : env.accounts.userKey(auth.accessKeyId);
  if (account) {
    // A long-term key never travels with a session token; AWS rejects the pair.
    if (token !== undefined) throw new AwsError("InvalidClientTokenId", 403, INVALID_TOKEN);
    caller = rootCaller(account);
    secretAccessKey = account.secretAccessKey;
  } else if (userKey) {
    // An inactive key is refused exactly like one that never existed (docs/aws-behaviour.md).
    if (token !== undefined || userKey.key.status !== "Active") {
      throw new AwsError("InvalidClientTokenId", 403, INVALID_TOKEN);
    }
    caller = userCaller(auth.accessKeyId, userKey.user);
    secretAccessKey = userKey.key.secretAccessKey;
  } else if (auth.accessKeyId.startsWith("ASIA") && auth.accessKeyId.length === 20) {
    if (token === undefined) throw new AwsError("InvalidClientTokenId", 403, INVALID_TOKEN);
    const opened = env.sessions.open(auth.accessKeyId, token);
    if (!opened) throw new AwsError("InvalidClientTokenId", 403, INVALID_TOKEN);
    const session = opened.claims;
    if (session.expiresAt * 1000 <= env.now()) {
      throw new AwsError(
        "ExpiredToken",
        403,
        "The security token included in the request is expired",
      );
    }
    caller = sessionCaller(auth.accessKeyId, session);
    secretAccessKey = opened.secretAccessKey;
    sessionToken = token;
  } else {
    throw new AwsError("InvalidClientTokenId", 403, INVALID_TOKEN);
  }

  if (!(await signatureCheck(req, auth, { secretAccessKey, sessionToken }, signingDate))) {
    throw new AwsError(
      "SignatureDoesNotMatch",
      403,
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return caller;
}

function checkSkew(amzDate: string, signingDate: Date, nowMs: number): void {
  const skew = (signingDate.getTime() - nowMs) / 1000;
  const nowText = compactIso(nowMs);
  // SignatureDoesNotMatch is what STS and IAM send for skew, and the SDKs treat that code as a
  // clock-skew error: they correct their clock from our Date header and retry.
  if (skew < -MAX_SKEW_SECONDS) {
    throw new AwsError(
      "SignatureDoesNotMatch",
      403,
      `Signature expired: ${amzDate} is now earlier than ${compactIso(nowMs - MAX_SKEW_SECONDS * 1000)} (${nowText} - 15 min.)`,
    );
  }
  if (skew > MAX_SKEW_SECONDS) {
    throw new AwsError(
      "SignatureDoesNotMatch",
      403,
      `Signature not yet current: ${amzDate} is still later than ${compactIso(nowMs + MAX_SKEW_SECONDS * 1000)} (${nowText} + 15 min.)`,
    );
  }
}

function compactIso(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}
