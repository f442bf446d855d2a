import { stsErrors } from "../../sts/sts-errors.js";
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
  const e = stsErrors.validation(violations);
  throw new AwsError(e.code, e.httpStatus, e.message, e.type);
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
