/**
 * The trust policy of one role: web identity from the workspace's provider, the audience pinned
 * with StringEquals, the repository (and optionally deployment environment) pinned with
 * StringLike on `sub`, and optionally the caller's source IP.
 */
import { subPattern } from "../../bitbucket/index.js";
import type { RoleConfig } from "../config/types.js";

export interface TrustInputs {
  /** The issuer without https://: the condition-key prefix. */
  hostPath: string;
  audiences: readonly string[];
  /** Already expanded (`bitbucket-egress` replaced by the feed's ranges). */
  sourceIps?: readonly string[];
}

// One value is written as a string, several as a list: what IAM and its docs show, and shorter.
function oneOrMany(values: readonly string[]): string | string[] {
  return values.length === 1 ? values[0]! : [...values];
}

/** `{repo}:*` per repository, or `{repo}:{env}:*` per repository × environment. */
export function subPatterns(role: Pick<RoleConfig, "repositories" | "environments">): string[] {
  const envs = role.environments ?? [];
  if (envs.length === 0) return role.repositories.map((r) => subPattern(r));
  return role.repositories.flatMap((r) => envs.map((e) => subPattern(r, e)));
}

/** `principal` is the provider ARN: an intrinsic in the template, a literal when measuring size. */
export function trustPolicyDocument(
  role: RoleConfig,
  inputs: TrustInputs,
  principal: unknown,
): Record<string, unknown> {
  const condition: Record<string, unknown> = {
    StringEquals: { [`${inputs.hostPath}:aud`]: oneOrMany(inputs.audiences) },
    StringLike: { [`${inputs.hostPath}:sub`]: oneOrMany(subPatterns(role)) },
  };
  if (inputs.sourceIps && inputs.sourceIps.length > 0) {
    condition.IpAddress = { "aws:SourceIp": oneOrMany(inputs.sourceIps) };
  }
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "BitbucketPipelinesOidc",
        Effect: "Allow",
        Principal: { Federated: principal },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: condition,
      },
    ],
  };
}
