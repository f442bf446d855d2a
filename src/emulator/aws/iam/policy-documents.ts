import { compilePolicy, policySize } from "../../../policy/index.js";
import type { CompiledPolicy } from "../../../policy/types.js";
import { AwsError, limitExceeded } from "../errors.js";
import { IAM_LIMITS } from "./limits.js";

/**
 * A policy document through the project's one policy compiler (its texts are AWS's); a refusal
 * becomes IAM's MalformedPolicyDocument.
 */
export function compileOrThrow(text: string, kind: "trust" | "identity"): CompiledPolicy {
  try {
    return compilePolicy(text, { kind });
  } catch (err) {
    throw AwsError.of(err, "iam") ?? err;
  }
}

/** A managed policy version: valid, and within PolicySize (counted without whitespace). */
export function checkManagedPolicyDocument(text: string): void {
  compileOrThrow(text, "identity");
  if (policySize(text) > IAM_LIMITS.managedPolicySize) {
    throw limitExceeded(`Cannot exceed quota for PolicySize: ${IAM_LIMITS.managedPolicySize}`);
  }
}
