import { compilePolicy, policySize } from "../../../policy/index.js";
import type { CompiledPolicy } from "../../../policy/types.js";
import { limitExceeded } from "../errors.js";
import { IAM_LIMITS } from "./limits.js";
import { compileOrThrow } from "./policy-documents.js";

/**
 * Roles' trust policies, compiled once per text and kept by role ARN: written by IAM when a
 * role is created or its trust policy changes, read by STS on every request.
 */
export class TrustPolicies {
  private readonly cache = new Map<string, { text: string; compiled: CompiledPolicy }>();

  /** Validates a trust policy for IAM (texts and quota as AWS's) and keeps it compiled. */
  check(roleArn: string, text: string): void {
    const compiled = compileOrThrow(text, "trust");
    // IAM counts the trust policy without whitespace against ACLSizePerRole.
    if (policySize(text) > IAM_LIMITS.trustPolicySize) {
      throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${IAM_LIMITS.trustPolicySize}`);
    }
    this.cache.set(roleArn, { text, compiled });
  }

  /** The compiled form of a stored trust policy (compiled again only after a restart or change). */
  compiled(roleArn: string, text: string): CompiledPolicy {
    let cached = this.cache.get(roleArn);
    if (!cached || cached.text !== text) {
      // Stored policies were valid when written.
      cached = { text, compiled: compilePolicy(text, { kind: "trust" }) };
      this.cache.set(roleArn, cached);
    }
    return cached.compiled;
  }

  forget(roleArn: string): void {
    this.cache.delete(roleArn);
  }
}
