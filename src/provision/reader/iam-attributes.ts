/**
 * What `Ref` and `Fn::GetAtt` return for the IAM resources bb-oidc works with, computed from the
 * resolved properties the way IAM names things. Names CloudFormation would generate (a role without
 * RoleName) and IDs IAM would assign (RoleId) are derived from a hash of the stack name and
 * logical ID instead of randomness, so the same inputs always resolve to the same text.
 */
import { createHash } from "node:crypto";

export interface ResourceIdentity {
  /** What `Ref` returns; undefined when it depends on something unresolved. */
  ref?: string;
  attributes: Record<string, string>;
}

export interface IdentityContext {
  logicalId: string;
  properties: Record<string, unknown>;
  accountId: string;
  partition: string;
  stackName: string;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function stableId(seed: string, length: number): string {
  const digest = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; out.length < length; i++) out += BASE32[digest[i % digest.length]! % 32];
  return out;
}

/** `<stack>-<logicalId>-<suffix>`, at most `max` characters, as CloudFormation names unnamed resources. */
export function generatedName(stackName: string, logicalId: string, max: number): string {
  const suffix = stableId(`${stackName}/${logicalId}`, 12);
  const head = `${stackName}-${logicalId}`.slice(0, Math.max(1, max - suffix.length - 1));
  return `${head}-${suffix}`;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function iamPath(v: unknown): string | undefined {
  if (v === undefined) return "/";
  return str(v);
}

export function iamIdentity(type: string, ctx: IdentityContext): ResourceIdentity | undefined {
  const p = ctx.properties;
  const iam = `arn:${ctx.partition}:iam::${ctx.accountId}`;
  const seed = `${ctx.stackName}/${ctx.logicalId}`;
  switch (type) {
    case "AWS::IAM::OIDCProvider": {
      const url = str(p.Url);
      if (url === undefined) return { attributes: {} };
      const arn = `${iam}:oidc-provider/${url.replace(/^https:\/\//, "")}`;
      return { ref: arn, attributes: { Arn: arn } };
    }
    case "AWS::IAM::Role": {
      const name =
        p.RoleName === undefined
          ? generatedName(ctx.stackName, ctx.logicalId, 64)
          : str(p.RoleName);
      const path = iamPath(p.Path);
      if (name === undefined || path === undefined) return { attributes: {} };
      return {
        ref: name,
        attributes: { Arn: `${iam}:role${path}${name}`, RoleId: `AROA${stableId(seed, 17)}` },
      };
    }
    case "AWS::IAM::ManagedPolicy": {
      const name =
        p.ManagedPolicyName === undefined
          ? generatedName(ctx.stackName, ctx.logicalId, 128)
          : str(p.ManagedPolicyName);
      const path = iamPath(p.Path);
      if (name === undefined || path === undefined) return { attributes: {} };
      const arn = `${iam}:policy${path}${name}`;
      return {
        ref: arn,
        attributes: {
          PolicyArn: arn,
          PolicyName: name,
          PolicyId: `ANPA${stableId(seed, 17)}`,
          DefaultVersionId: "v1",
          Path: path,
        },
      };
    }
    case "AWS::IAM::Policy":
    case "AWS::IAM::RolePolicy":
      // CloudFormation's physical ID for an inline policy is an opaque generated string.
      return { ref: `${ctx.stackName.slice(0, 20)}-${stableId(seed, 12)}`, attributes: {} };
    case "AWS::IAM::InstanceProfile": {
      const name =
        p.InstanceProfileName === undefined
          ? generatedName(ctx.stackName, ctx.logicalId, 128)
          : str(p.InstanceProfileName);
      const path = iamPath(p.Path);
      if (name === undefined || path === undefined) return { attributes: {} };
      return { ref: name, attributes: { Arn: `${iam}:instance-profile${path}${name}` } };
    }
    default:
      return undefined;
  }
}
