import { S3Client } from "@aws-sdk/client-s3";
import type { Creds } from "../aws/helpers.js";

export { type Creds, failure, startEndpoint } from "../aws/helpers.js";

/** SDK v3 against the emulator, path-style (an IP endpoint is always path-style). */
export function s3(endpoint: string, credentials: Creds, region = "eu-west-1"): S3Client {
  return new S3Client({ endpoint, region, credentials, forcePathStyle: true, maxAttempts: 1 });
}
