import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { type Creds, failure, iam, startEndpoint } from "../aws/helpers.js";

// The CloudFormation tests use the same bare AWS endpoint as the STS/IAM tests.
export { type Creds, failure, iam, startEndpoint };

export function cfn(
  endpoint: string,
  credentials: Creds,
  region = "us-east-1",
): CloudFormationClient {
  return new CloudFormationClient({ endpoint, region, credentials, maxAttempts: 1 });
}

/** Waiter timing for the emulator: it finishes in well under a second. */
export const FAST = { minDelay: 1, maxDelay: 1, maxWaitTime: 20 } as const;

export const ISSUER_HOST = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
export const AUDIENCE = "ari:cloud:bitbucket::workspace/4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31";
export const REPO = "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}";

/** A bb-oidc-style template: the workspace's provider and one role trusting one repository. */
export function providerAndRole(
  opts: { roleName?: string; repo?: string; extra?: string; workspace?: string } = {},
): string {
  const host = ISSUER_HOST.replace("/acme/", `/${opts.workspace ?? "acme"}/`);
  const roleName = opts.roleName === undefined ? "" : `      RoleName: ${opts.roleName}\n`;
  return `AWSTemplateFormatVersion: "2010-09-09"
Description: bb-oidc test stack
Parameters:
  Audience:
    Type: String
    Default: "${AUDIENCE}"
  Secret:
    Type: String
    NoEcho: true
    Default: hunter2
Resources:
  Provider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://${host}
      ClientIdList: [!Ref Audience]
      ThumbprintList: ["${"a".repeat(40)}"]
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
${roleName}      MaxSessionDuration: 3600
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Federated: !Ref Provider }
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: { "${host}:aud": !Ref Audience }
              StringLike: { "${host}:sub": "${opts.repo ?? REPO}:*" }
${opts.extra ?? ""}Outputs:
  RoleArn:
    Value: !GetAtt DeployRole.Arn
  RoleId:
    Value: !GetAtt DeployRole.RoleId
  ProviderArn:
    Value: !Ref Provider
    Export: { Name: !Sub "\${AWS::StackName}-provider" }
`;
}

/** Polls DescribeStacks until the stack leaves every *_IN_PROGRESS status; returns that status. */
export async function settle(
  client: CloudFormationClient,
  stackName: string,
  timeoutMs = 20_000,
): Promise<string> {
  const { DescribeStacksCommand } = await import("@aws-sdk/client-cloudformation");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
    if (!s.StackStatus!.endsWith("_IN_PROGRESS") || s.StackStatus === "REVIEW_IN_PROGRESS")
      return s.StackStatus!;
    if (Date.now() > deadline) throw new Error(`${stackName} still ${s.StackStatus}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
