/**
 * A setup of the kind the blog-style recipe produces, written for the demo: a provider, one role
 * trusting every repository of the workspace (only an audience condition), AdministratorAccess,
 * and a hard-coded list of source addresses (documentation ranges standing in for an old list).
 */
export function seedStyleTemplate(): string {
  const ips = [
    "192.0.2.10/32",
    "192.0.2.200/32",
    "198.51.100.7/32",
    "203.0.113.5/32",
    "203.0.113.250/32",
  ];
  return `AWSTemplateFormatVersion: "2010-09-09"
Description: Bitbucket OIDC provider and a deploy role, configured by hand
Parameters:
  WorkspaceAudience:
    Type: String
    Default: ari:cloud:bitbucket::workspace/6b5d2a30-4dba-5676-9f7f-317724bb1bf1
Resources:
  BitbucketProvider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc
      ClientIdList: [!Ref WorkspaceAudience]
  PipelineRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: bitbucket-pipelines
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AdministratorAccess
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Federated: !Ref BitbucketProvider
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals:
                api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc:aud: !Ref WorkspaceAudience
              IpAddress:
                aws:SourceIp:
${ips.map((ip) => `                  - ${ip}`).join("\n")}
`;
}
