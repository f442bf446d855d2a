/**
 * The public shape of the policy engine. Everything that decides (STS emulation, explain, lint,
 * who-can) goes through `compilePolicy(...).evaluate(...)`: there is one evaluator.
 */

/**
 * `trust`: a role's trust policy (Principal required, Resource and NotPrincipal forbidden).
 * `identity`: permissions attached to a user or role (Principal forbidden, Resource required).
 * `resource`: a resource-based policy such as a bucket policy (Principal or NotPrincipal, and
 * Resource, required; NotPrincipal only with Deny).
 */
export type PolicyKind = "trust" | "identity" | "resource";

/**
 * Request context: condition key → value(s). A string is a single-valued key; an array is a
 * multi-valued key (as `<provider>:amr`). An absent key is simply not present. Key names are
 * matched case-insensitively by the evaluator; callers may use any case.
 */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

/** Who is asking. For web identity: `{ type: "Federated", id: <provider ARN> }`. */
export interface RequestPrincipal {
  type: "Federated" | "AWS" | "Service" | "CanonicalUser";
  /** Federated: the provider ARN. AWS: the caller's ARN (for a role session the sts assumed-role ARN). */
  id: string;
  /** AWS principals: the caller's account, so `"123456789012"` or `arn:aws:iam::123456789012:root` match. */
  account?: string;
  /** AWS principals that are role sessions: the role's IAM ARN, which a policy may name instead. */
  roleArn?: string;
}

export interface AuthzRequest {
  principal?: RequestPrincipal;
  action: string;
  resource?: string;
  context: RequestContext;
}

export interface ConditionTrace {
  /** As written in the policy, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  /** As written in the policy. */
  key: string;
  policyValues: string[];
  /** Values found in the request context; `null` when the key is absent. */
  contextValues: string[] | null;
  matched: boolean;
  /** Plain words on why it did not match, or why an absent key counted as a match. */
  reason?: string;
}

export interface StatementTrace {
  index: number;
  sid?: string;
  effect: "Allow" | "Deny";
  principalMatched: boolean;
  actionMatched: boolean;
  /** Trust policies have no Resource: always true there. */
  resourceMatched: boolean;
  conditions: ConditionTrace[];
  /** principal && action && resource && every condition matched. */
  applies: boolean;
  /** When principal, action or resource did not match: which, in plain words. */
  reason?: string;
}

export type Decision = "allow" | "explicitDeny" | "implicitDeny";

export interface EvaluationResult {
  decision: Decision;
  allowed: boolean;
  statements: StatementTrace[];
  /** The request's action and resource, so a result can be explained on its own. */
  action?: string;
  resource?: string;
}

export interface CompiledPolicy {
  readonly kind: PolicyKind;
  /** The parsed JSON document as given. */
  readonly document: unknown;
  /** Size as IAM counts it: the JSON text without whitespace outside strings. */
  readonly size: number;
  evaluate(request: AuthzRequest): EvaluationResult;
}
