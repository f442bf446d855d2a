/**
 * The IAM policy engine: the one evaluator every part of bb-oidc uses.
 *
 *   const policy = compilePolicy(json, { kind: "trust" });   // validate once (PolicyError)
 *   const result = policy.evaluate({ principal, action, context });   // many times, never throws
 *   if (!result.allowed) console.log(firstFailure(result));
 */
export { compilePolicy } from "./compile.js";
export { type DuplicateKey, firstDuplicateKey } from "./duplicate-keys.js";
export { closestAllow, describeCondition, firstFailure } from "./explain.js";
export { OPERATORS, type OperatorSpec, type ParsedOperator, parseOperator } from "./operators.js";
export { policySize } from "./size.js";
export type {
  AuthzRequest,
  CompiledPolicy,
  ConditionTrace,
  Decision,
  EvaluationResult,
  PolicyKind,
  RequestContext,
  RequestPrincipal,
  StatementTrace,
} from "./types.js";
