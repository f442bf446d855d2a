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
export interface StsWorld {
  provider(account: string, url: string): OidcProviderRecord | undefined;
  role(roleArn: string): RoleRecord | undefined;
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
}

export interface WebIdentityDenied extends DecisionCommon {
  ok: false;
  error: WireError;
}

export type WebIdentityDecision = WebIdentityAllowed | WebIdentityDenied;
