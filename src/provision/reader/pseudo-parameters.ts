/** CloudFormation's pseudo parameters (`AWS::AccountId`, `AWS::StackId`, …) for one stack. */
import { createHash } from "node:crypto";
import type { ResolveOptions } from "./resolve-types.js";

export function pseudoParameters(
  options: ResolveOptions,
  partition: string,
): Record<string, string | string[]> {
  const { accountId, region, stackName } = options;
  return {
    "AWS::AccountId": accountId,
    "AWS::Region": region,
    "AWS::Partition": partition,
    "AWS::StackName": stackName,
    "AWS::StackId":
      options.stackId ??
      `arn:${partition}:cloudformation:${region}:${accountId}:stack/${stackName}/${deterministicUuid(`${accountId}/${region}/${stackName}`)}`,
    "AWS::URLSuffix": urlSuffix(partition),
    "AWS::NotificationARNs": [],
  };
}

function urlSuffix(partition: string): string {
  if (partition === "aws-cn") return "amazonaws.com.cn";
  if (partition === "aws-iso") return "c2s.ic.gov";
  if (partition === "aws-iso-b") return "sc2s.sgov.gov";
  return "amazonaws.com";
}

/** Offline resolutions of one stack give one stack ID, so outputs compare equal across runs. */
function deterministicUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
