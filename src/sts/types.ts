import type { KeyResolver } from "../oidc/index.js";
import type { SignatureChecker } from "../oidc/signature.js";
import type { CompiledPolicy, EvaluationResult } from "../policy/types.js";

/** An IAM OIDC provider as STS sees it. `url` has no scheme, as IAM stores it. */
export interface OidcProviderRecord {
  arn: string;
  url: string;
  clientIds: string[];
  thumbprints: string[];
}

export interface RoleRecord {
  arn: string;
  name: string;
  /** `AROA…`, the unique role ID that prefixes AssumedRoleId. */
  roleId: string;
  trustPolicy: CompiledPolicy;
  maxSessionDuration: number;
}

/** What STS knows: providers by account and URL, roles by ARN, and the issuers' keys. */
/** Where AssumeRole finds roles: `StsWorld` has it, and so does a world of one given role. */
export interface RoleLookup {
  role(roleArn: string): RoleRecord | undefined;
}

export interface StsWorld extends RoleLookup {
  provider(account: string, url: string): OidcProviderRecord | undefined;
  keys: KeyResolver;
  /**
   * Whether the issuer's key host serves a chain whose top intermediate matches one of these
   * thumbprints. Absent: the host is trusted by a CA AWS trusts, so thumbprints are not consulted
   * (AWS's behaviour since 2023). The emulator supplies it, since its CA is its own.
   */
  thumbprintMatches?(issuer: string, thumbprints: readonly string[]): Promise<boolean>;
  /** Where token signatures are checked (see `SignatureOptions.checkSignature`). */
  checkSignature?: SignatureChecker;
}

export interface WebIdentityRequest {
  roleArn: string;
  roleSessionName: string;
  webIdentityToken: string;
  durationSeconds?: number;
  policy?: string;
  policyArns?: string[];
  /** The caller's address; absent → `aws:SourceIp` is absent from the context. */
  sourceIp?: string;
  /** Epoch seconds. */
  now: number;
}

/** An error as AWS puts it on the wire (Query protocol): STS's and IAM's alike. */
export interface WireError {
  code: string;
  httpStatus: number;
  message: string;
  type: "Sender" | "Receiver";
}

interface DecisionCommon {
  /** The condition keys the trust policy was evaluated against (when it got that far). */
  context?: Record<string, string | string[]>;
  trace?: EvaluationResult;
  /** Decoded claims (when the token could be decoded). Never the token itself. */
  claims?: Record<string, unknown>;
  /** For people: the one reason, in plain words. Never sent over the wire. */
  reason: string;
  /**
   * Web identity: the token's signature was checked against the issuer's key and held, so the
   * decision went past the checks anyone can fail with a forged token (the emulator's audit log
   * writes only such refusals in full). Absent for unsigned claims and for AssumeRole.
   */
  tokenVerified?: true;
}

export interface WebIdentityAllowed extends DecisionCommon {
  ok: true;
  subject: string;
  providerArn: string;
  audience: string;
  assumedRoleArn: string;
  assumedRoleId: string;
  durationSeconds: number;
  roleArn: string;
  sessionName: string;
  /** Present when session policies were passed. */
  packedPolicySize?: number;
}

/** A refusal, the same for every STS action: AWS's wire error and the reason in plain words. */
export interface StsDenied extends DecisionCommon {
  ok: false;
  error: WireError;
}

export type WebIdentityDenied = StsDenied;

export type WebIdentityDecision = WebIdentityAllowed | StsDenied;

/** A session tag (AssumeRole `Tags`), kept in the case it was given. */
export interface SessionTag {
  key: string;
  value: string;
}

/**
 * Who calls AssumeRole, as STS sees the signed request. `root`: the account's root user (always
 * refused); `user`: an IAM user; `assumed-role`: a role session (role chaining).
 */
export interface AssumeRoleCaller {
  type: "root" | "user" | "assumed-role";
  /** `arn:aws:iam::<acct>:root`, `…:user/<name>` or `arn:aws:sts::<acct>:assumed-role/<role>/<session>`. */
  arn: string;
  account: string;
  /** `aws:userid`: the account ID (root), `AIDA…` (user) or `AROA…:<session>`. */
  userId: string;
  /** `assumed-role`: the role's IAM ARN (what `aws:PrincipalArn` holds, and a policy may name). */
  roleArn?: string;
  /** The session's source identity, which every later hop keeps. */
  sourceIdentity?: string;
  /** A web-identity session's provider ARN. */
  federatedProvider?: string;
  /** The session's tags (`aws:PrincipalTag/…`), and which of them pass on to the next hop. */
  tags?: readonly SessionTag[];
  transitiveTagKeys?: readonly string[];
}

export interface AssumeRoleRequest {
  caller: AssumeRoleCaller;
  roleArn: string;
  roleSessionName: string;
  durationSeconds?: number;
  externalId?: string;
  policy?: string;
  policyArns?: string[];
  sourceIdentity?: string;
  tags?: SessionTag[];
  transitiveTagKeys?: string[];
  /** The caller's address; absent → `aws:SourceIp` is absent from the context. */
  sourceIp?: string;
  /** Epoch seconds. */
  now: number;
}

export interface AssumeRoleAllowed extends DecisionCommon {
  ok: true;
  roleArn: string;
  roleName: string;
  /** `AROA…`. */
  roleId: string;
  account: string;
  sessionName: string;
  assumedRoleArn: string;
  assumedRoleId: string;
  durationSeconds: number;
  /** Assumed with session credentials: the new session is capped at one hour. */
  chained: boolean;
  /** Set by this request or inherited from the caller's session. */
  sourceIdentity?: string;
  /** Present when session policies or tags were passed. */
  packedPolicySize?: number;
  /** The new session's tags: inherited transitive tags, then the request's. */
  tags: SessionTag[];
  transitiveTagKeys: string[];
}

export type AssumeRoleDecision = AssumeRoleAllowed | StsDenied;
