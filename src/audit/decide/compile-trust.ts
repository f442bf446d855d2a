/**
 * A live role's trust policy is compiled once per audit, here: the issuer probes, who-can's
 * matrix and the lint rules all take the result, so none of them compiles it again.
 */
import { PolicyError } from "../../errors.js";
import { type CompiledPolicy, compilePolicy } from "../../policy/index.js";

/** The compiled policy, or why IAM's rules refuse it (the audit reports it, it does not stop). */
export function compileTrust(document: unknown): CompiledPolicy | PolicyError {
  try {
    return compilePolicy(document, { kind: "trust" });
  } catch (err) {
    if (err instanceof PolicyError) return err;
    throw err;
  }
}
