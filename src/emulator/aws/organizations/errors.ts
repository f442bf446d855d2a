/**
 * Organizations errors as the AWS JSON 1.1 protocol carries them: HTTP 400 (500 for
 * ServiceException) and a body `{"__type": code, "Message": …}`. Texts are the service model's
 * own descriptions where AWS publishes no message (docs/aws-behaviour.md, "AWS Organizations").
 */

export class JsonAwsError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = "JsonAwsError";
  }
}

export const notInUse = () =>
  new JsonAwsError(
    "AWSOrganizationsNotInUseException",
    400,
    "Your account is not a member of an organization.",
  );

export const accessDenied = () =>
  new JsonAwsError(
    "AccessDeniedException",
    400,
    "You don't have permissions to access this resource.",
  );

export const parentNotFound = () =>
  new JsonAwsError(
    "ParentNotFoundException",
    400,
    "We can't find a root or OU with the ParentId that you specified.",
  );

const REASONS = {
  INPUT_REQUIRED: "You must include a value for all required parameters.",
  INVALID_ENUM: "You specified an invalid value.",
  INVALID_PATTERN: "You provided a value that doesn't match the required pattern.",
  MAX_VALUE_EXCEEDED: "You provided a numeric parameter that has a larger value than allowed.",
  MIN_VALUE_EXCEEDED: "You provided a numeric parameter that has a smaller value than allowed.",
  MAX_LENGTH_EXCEEDED: "You provided a string parameter that is longer than allowed.",
  INVALID_NEXT_TOKEN: "You specified an invalid value for nextToken.",
} as const;

export function invalidInput(reason: keyof typeof REASONS): JsonAwsError {
  return new JsonAwsError("InvalidInputException", 400, REASONS[reason], { Reason: reason });
}

/** The JSON protocol's names for the front-door failures the Query protocol calls otherwise. */
const FRONT_DOOR: Record<string, string> = {
  InvalidClientTokenId: "UnrecognizedClientException",
  SignatureDoesNotMatch: "InvalidSignatureException",
  IncompleteSignature: "IncompleteSignatureException",
  ExpiredToken: "ExpiredTokenException",
  MissingAuthenticationToken: "MissingAuthenticationTokenException",
};

export function frontDoor(code: string, message: string): JsonAwsError {
  return new JsonAwsError(FRONT_DOOR[code] ?? code, 400, message);
}
