import { AwsError } from "../errors.js";

/**
 * CloudFormation's error vocabulary. Codes and HTTP statuses are the `awsQueryError` entries of
 * the service model (the SDK maps `ChangeSetNotFound` to ChangeSetNotFoundException, etc.).
 */
export function validationError(message: string): AwsError {
  return new AwsError("ValidationError", 400, message);
}

export function stackNotFound(nameOrId: string): AwsError {
  return validationError(`Stack with id ${nameOrId} does not exist`);
}

export function alreadyExists(message: string): AwsError {
  return new AwsError("AlreadyExistsException", 400, message);
}

export function insufficientCapabilities(required: string[]): AwsError {
  return new AwsError(
    "InsufficientCapabilitiesException",
    400,
    `Requires capabilities : [${required.join(", ")}]`,
  );
}

export function changeSetNotFound(name: string): AwsError {
  return new AwsError("ChangeSetNotFound", 404, `ChangeSet [${name}] does not exist`);
}

export function invalidChangeSetStatus(message: string): AwsError {
  return new AwsError("InvalidChangeSetStatus", 400, message);
}

export function stackSetNotFound(name: string): AwsError {
  return new AwsError("StackSetNotFoundException", 404, `StackSet ${name} not found`);
}

export function stackSetNotEmpty(name: string): AwsError {
  return new AwsError(
    "StackSetNotEmptyException",
    409,
    `StackSet ${name} is not empty: delete its stack instances first`,
  );
}

export function nameAlreadyExists(message: string): AwsError {
  return new AwsError("NameAlreadyExistsException", 409, message);
}

export function operationInProgress(stackSetName: string): AwsError {
  return new AwsError(
    "OperationInProgressException",
    409,
    `Another Operation on StackSet ${stackSetName} is in progress`,
  );
}

export function operationNotFound(id: string): AwsError {
  return new AwsError("OperationNotFoundException", 404, `Operation ${id} not found`);
}

export function operationIdAlreadyExists(id: string): AwsError {
  return new AwsError(
    "OperationIdAlreadyExistsException",
    409,
    `Operation with id ${id} already exists`,
  );
}

export function stackInstanceNotFound(account: string, region: string, set: string): AwsError {
  return new AwsError(
    "StackInstanceNotFoundException",
    404,
    `Stack instance in account ${account} and region ${region} of StackSet ${set} not found`,
  );
}
