import { BbOidcError } from "../../errors.js";
import { stsErrors, wireErrorOf } from "../../sts/sts-errors.js";
import type { WireError } from "../../sts/types.js";
import { checkParams, type ParamSpec } from "../../sts/validate-params.js";

/**
 * An error as AWS's Query protocol reports it: a stable `code`, the HTTP status the real service
 * uses for it, and whether the caller (`Sender`) or the service (`Receiver`) is at fault. Handlers
 * throw these; the server turns them into `<ErrorResponse>` XML.
 */
export class AwsError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly type: "Sender" | "Receiver";

  constructor(code: string, httpStatus: number, message: string, type?: "Sender" | "Receiver") {
    super(message);
    this.name = "AwsError";
    this.code = code;
    this.httpStatus = httpStatus;
    this.type = type ?? (httpStatus >= 500 ? "Receiver" : "Sender");
  }

  /** A wire error decided by the core (src/sts), thrown as the handler's answer. */
  static from(e: WireError): AwsError {
    return new AwsError(e.code, e.httpStatus, e.message, e.type);
  }

  /**
   * One of our errors raised inside a handler (e.g. a policy that does not compile), as the
   * service answers it; undefined when AWS has no answer for it (an internal failure).
   */
  static of(err: unknown, service: "sts" | "iam"): AwsError | undefined {
    if (err instanceof AwsError) return err;
    if (!(err instanceof BbOidcError)) return undefined;
    const wire = wireErrorOf(err, service);
    return wire && AwsError.from(wire);
  }
}

export function missingParameter(name: string): AwsError {
  // Wording as STS and IAM print it for a request without a required member.
  return new AwsError("MissingParameter", 400, `The request must contain the parameter ${name}`);
}

/**
 * Checks model constraints with the STS module's checker (one wording for the whole project) and
 * throws AWS's "N validation errors detected" `ValidationError` when any fails.
 */
export function checkConstraints(specs: ParamSpec[], extra: string[] = []): void {
  const violations = [...checkParams(specs), ...extra];
  if (violations.length === 0) return;
  throw AwsError.from(stsErrors.validation(violations));
}

/** AWS's text for a list member over its model maximum. */
export function listTooLong(member: string, values: string[], max: number): string[] {
  return values.length > max
    ? [
        `Value '[${values.join(", ")}]' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
      ]
    : [];
}

export function invalidInput(message: string): AwsError {
  return new AwsError("InvalidInput", 400, message);
}

export function noSuchEntity(message: string): AwsError {
  return new AwsError("NoSuchEntity", 404, message);
}

export function entityAlreadyExists(message: string): AwsError {
  return new AwsError("EntityAlreadyExists", 409, message);
}

export function deleteConflict(message: string): AwsError {
  return new AwsError("DeleteConflict", 409, message);
}

export function limitExceeded(message: string): AwsError {
  return new AwsError("LimitExceeded", 409, message);
}

export function malformedPolicy(message: string): AwsError {
  return new AwsError("MalformedPolicyDocument", 400, message);
}
