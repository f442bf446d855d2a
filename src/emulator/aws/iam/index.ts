import type { AwsBackend } from "../backend.js";
import type { AwsService } from "../service.js";
import { iamActions } from "./actions/index.js";

export const IAM_XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/";

export const iamService: AwsService<AwsBackend> = {
  signingName: "iam",
  namespace: IAM_XMLNS,
  version: "2010-05-08",
  actions: iamActions,
};

export type * from "./records.js";
export { IAM_LIMITS, IamState } from "./state.js";
