import type { AwsBackend } from "./backend.js";
import { cloudFormationService } from "./cloudformation/index.js";
import { iamService } from "./iam/index.js";
import type { AwsService } from "./service.js";
import { stsService } from "./sts/index.js";

/**
 * The services the AWS endpoint serves, routed by SigV4 signing name. A CloudFormation handler
 * (src/emulator/aws/cloudformation/) is added by appending it here.
 */
export const AWS_SERVICES: ReadonlyArray<AwsService<AwsBackend>> = [
  stsService,
  iamService,
  cloudFormationService,
];
