import { BbOidcError, TokenError } from "../errors.js";
import {
  checkExpiry,
  checkIssuer,
  checkNotBefore,
  DEFAULT_EXP_GRACE_SECONDS,
  type DecodedToken,
  MAX_TOKEN_LENGTH,
  matchAudience,
  type SignatureOptions,
  splitToken,
  verifySignatureNow,
} from "../oidc/index.js";
import { firstFailure } from "../policy/index.js";
import { assumedRoleArn } from "./assume-role.js";
import { buildWebIdentityContext } from "./context.js";
import { SESSION_LIMITS } from "./limits.js";
import {
  durationError,
  listTooLongViolation,
  packedPolicySize,
  requestRefusal,
  sessionParamSpecs,
  sessionPolicyError,
} from "./session-request.js";
import { stsErrors, wireErrorOf } from "./sts-errors.js";
import type {
  OidcProviderRecord,
  StsWorld,
  WebIdentityDecision,
  WebIdentityDenied,
  WebIdentityRequest,
  WireError,
} from "./types.js";
import { checkParams } from "./validate-params.js";

const ACTION = "sts:AssumeRoleWithWebIdentity";

/**
 * Decides one AssumeRoleWithWebIdentity exactly as STS would, in STS's order:
 * parameters → token shape → provider for `iss` in the role's account → keys and signature →
 * expiry → audience → trust policy → duration against the role's maximum.
 * The order of the last steps is a documented choice (docs/decisions.md): AWS does not reveal a
 * role's configuration to a caller its trust policy refuses.
 *
 * With `unsignedClaims` (explain --claims, who-can) the signature steps are skipped; the
 * emulator never passes them.
 */
export async function decideWebIdentity(
  req: WebIdentityRequest & { unsignedClaims?: Record<string, unknown> },
  world: StsWorld,
): Promise<WebIdentityDecision> {
  const unsigned = req.unsignedClaims !== undefined;
  const violations = checkParams([
    ...sessionParamSpecs(req),
    ...(unsigned
      ? []
      : [
          {
            name: "webIdentityToken",
            value: req.webIdentityToken,
            required: true,
            sensitive: true,
            minLength: 4,
            maxLength: MAX_TOKEN_LENGTH,
          },
        ]),
  ]);
  violations.push(
    ...listTooLongViolation("policyArns", req.policyArns ?? [], SESSION_LIMITS.maxPolicyArns),
  );
  const checked = requestRefusal(violations, req.roleArn);
  if ("refusal" in checked) return deny(checked.refusal.error, checked.refusal.reason);
  const role = checked.target;

  let claims: Record<string, unknown>;
  let decoded: DecodedToken | undefined;
  if (unsigned) {
    claims = req.unsignedClaims!;
  } else {
    try {
      decoded = splitToken(req.webIdentityToken);
      claims = decoded.claims as Record<string, unknown>;
    } catch (err) {
      return deny(stsErrors.malformedToken(), `the token cannot be parsed: ${messageOf(err)}`);
    }
  }

  const iss = typeof claims.iss === "string" ? claims.iss : "";
  if (!iss) return deny(stsErrors.missingClaim("iss"), "the token has no iss claim", claims);
  const provider = iss.startsWith("https://")
    ? world.provider(role.account, iss.slice(8))
    : undefined;
  if (!provider) {
    return deny(
      stsErrors.noProvider(iss),
      `account ${role.account} has no IAM OIDC provider whose URL is ${iss}`,
      claims,
    );
  }

  if (!unsigned) {
    const checked = verifySigned(req, world, provider, iss, decoded!);
    const failure = checked instanceof Promise ? await checked : checked;
    if (failure) return { ...failure, claims };
  } else if (typeof claims.exp === "number" && req.now > claims.exp + DEFAULT_EXP_GRACE_SECONDS) {
    return deny(stsErrors.expired(req.now, claims.exp), expiredReason(req.now, claims.exp), claims);
  }

  // Every step from here on is past the signature: its refusals say something about a real token.
  const signed = !unsigned;
  const aud = claims.aud;
  const audience = matchAudience(aud, provider.clientIds);
  if (typeof audience !== "string") {
    switch (audience.miss) {
      case "missing":
        return verifiedIf(
          signed,
          deny(stsErrors.missingClaim("aud"), "the token has no aud claim", claims),
        );
      case "malformed":
        return verifiedIf(
          signed,
          deny(
            stsErrors.malformedToken(),
            `the token's aud ${JSON.stringify(aud)} is not a string or an array of strings`,
            claims,
          ),
        );
      case "none":
        return verifiedIf(
          signed,
          deny(
            stsErrors.incorrectAudience(),
            `the token's aud ${JSON.stringify(aud)} contains none of the provider's client IDs ${JSON.stringify(provider.clientIds)}`,
            claims,
          ),
        );
    }
  }

  const context = buildWebIdentityContext({ provider, claims, audience, req });
  const roleRecord = world.role(req.roleArn);
  if (!roleRecord) {
    return verifiedIf(signed, {
      ...deny(stsErrors.accessDenied(), `role ${req.roleArn} does not exist`, claims),
      context,
    });
  }
  const trace = roleRecord.trustPolicy.evaluate({
    principal: { type: "Federated", id: provider.arn },
    action: ACTION,
    context,
  });
  if (!trace.allowed) {
    return verifiedIf(signed, {
      ...deny(stsErrors.accessDenied(), firstFailure(trace), claims),
      context,
      trace,
    });
  }

  const policyProblem = sessionPolicyError(req.policy);
  if (policyProblem) {
    return verifiedIf(signed, {
      ...deny(policyProblem.error, policyProblem.reason, claims),
      context,
      trace,
    });
  }
  const durationSeconds = req.durationSeconds ?? SESSION_LIMITS.defaultDurationSeconds;
  const tooLong = durationError(durationSeconds, roleRecord);
  if (tooLong)
    return verifiedIf(signed, { ...deny(tooLong.error, tooLong.reason, claims), context, trace });

  const subject = String(claims.sub ?? "");
  const packed = packedPolicySize(req);
  return {
    ok: true,
    subject,
    providerArn: provider.arn,
    audience,
    roleArn: roleRecord.arn,
    sessionName: req.roleSessionName,
    assumedRoleArn: assumedRoleArn(
      role.partition,
      role.account,
      roleRecord.name,
      req.roleSessionName,
    ),
    assumedRoleId: `${roleRecord.roleId}:${req.roleSessionName}`,
    durationSeconds,
    ...(packed !== undefined ? { packedPolicySize: packed } : {}),
    ...(signed ? { tokenVerified: true as const } : {}),
    context,
    trace,
    claims,
    reason: `allowed by the trust policy of ${roleRecord.arn}`,
  };
}

/**
 * The token's signature and claims, STS's steps after the provider lookup. Synchronous when the
 * key is at hand and the signature is checked on this thread (a warm decision has no
 * asynchronous hop); a promise when a thumbprint or key must be fetched, or the check runs on a
 * worker.
 */
function verifySigned(
  req: WebIdentityRequest,
  world: StsWorld,
  provider: OidcProviderRecord,
  iss: string,
  decoded: DecodedToken,
): WebIdentityDenied | undefined | Promise<WebIdentityDenied | undefined> {
  if (world.thumbprintMatches && provider.thumbprints.length > 0) {
    return thumbprintFailure(world, provider, iss).then(
      (failure) => failure ?? verifySignatureAndClaims(req, world, iss, decoded),
    );
  }
  return verifySignatureAndClaims(req, world, iss, decoded);
}

async function thumbprintFailure(
  world: StsWorld,
  provider: OidcProviderRecord,
  iss: string,
): Promise<WebIdentityDenied | undefined> {
  let matches: boolean;
  try {
    matches = await world.thumbprintMatches!(iss, provider.thumbprints);
  } catch (err) {
    return deny(
      stsErrors.keyUnavailable(),
      `the issuer's key host could not be reached: ${messageOf(err)}`,
    );
  }
  if (matches) return undefined;
  return deny(
    stsErrors.thumbprintMismatch(),
    `the certificate chain served for ${iss} does not match any thumbprint of ${provider.arn}`,
  );
}

function verifySignatureAndClaims(
  req: WebIdentityRequest,
  world: StsWorld,
  iss: string,
  decoded: DecodedToken,
): WebIdentityDenied | undefined | Promise<WebIdentityDenied | undefined> {
  const opts: SignatureOptions = { keys: world.keys, issuer: iss };
  if (world.checkSignature) opts.checkSignature = world.checkSignature;
  let pending: Promise<void> | undefined;
  try {
    pending = verifySignatureNow(req.webIdentityToken, opts, decoded);
  } catch (err) {
    return tokenFailure(err);
  }
  if (pending === undefined) return claimsFailure(decoded, iss, req.now);
  return pending.then(() => claimsFailure(decoded, iss, req.now), tokenFailure);
}

/** `iss`, `exp`, `nbf`/`iat` in STS's order, once the signature checked out. */
function claimsFailure(
  decoded: DecodedToken,
  iss: string,
  now: number,
): WebIdentityDenied | undefined {
  try {
    checkIssuer(decoded.claims, iss);
    checkExpiry(decoded.claims, now, DEFAULT_EXP_GRACE_SECONDS);
    checkNotBefore(decoded.claims, now, DEFAULT_EXP_GRACE_SECONDS);
    return undefined;
  } catch (err) {
    // The signature held: these refusals are about a real token.
    return { ...tokenFailure(err), tokenVerified: true };
  }
}

function tokenFailure(err: unknown): WebIdentityDenied {
  if (!(err instanceof BbOidcError)) throw err;
  return denyForTokenError(err);
}

/** A failed token check as STS answers it; the reason keeps our wording for people. */
function denyForTokenError(err: BbOidcError): WebIdentityDenied {
  const wire = wireErrorOf(err, "sts");
  if (wire === undefined) throw err;
  if (err.is("ERR_TOKEN_EXPIRED") && err.expected && err.actual) {
    return deny(wire, expiredReason(err.actual.now, err.expected.exp));
  }
  switch (wire.code) {
    case "InvalidIdentityToken":
      return deny(
        wire,
        err.is("ERR_TOKEN_MALFORMED") || err.is("ERR_TOKEN_TOO_LARGE")
          ? `the token cannot be parsed: ${err.message}`
          : err.is("ERR_TOKEN_NOT_YET_VALID")
            ? `the token is not valid yet: ${err.message}`
            : err.message,
      );
    default:
      return deny(wire, err.message);
  }
}

function expiredReason(now: number, exp: number): string {
  const past = now - exp;
  return `the token expired ${formatSeconds(past)} ago (exp ${exp}, now ${now}); STS allows ${DEFAULT_EXP_GRACE_SECONDS / 60} minutes of grace`;
}

export function formatSeconds(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function verifiedIf<D extends WebIdentityDecision>(signed: boolean, d: D): D {
  if (signed) d.tokenVerified = true;
  return d;
}

function deny(
  error: WireError,
  reason: string,
  claims?: Record<string, unknown>,
): WebIdentityDenied {
  return claims ? { ok: false, error, reason, claims } : { ok: false, error, reason };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export { TokenError };
