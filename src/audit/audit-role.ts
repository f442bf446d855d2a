/**
 * The least privilege an audit needs, and a CloudFormation template that creates it in an
 * account — StackSet-ready: nothing in it names the account it lands in, so one StackSet puts the
 * same role into every account or OU. `bb-oidc template --audit-role` prints it.
 */
import type { CfnTemplate } from "../provision/reader/types.js";
import { IAM_NAME_CHARS } from "../shared/iam-names.js";

export const DEFAULT_AUDIT_ROLE_NAME = "bb-oidc-audit";

/** What `audit` reads in each account: IAM only, read-only. */
export const AUDIT_READ_ACTIONS = [
  "iam:GetAccountAuthorizationDetails",
  "iam:ListRoles",
  "iam:GetRole",
  "iam:ListAttachedRolePolicies",
  "iam:ListRolePolicies",
  "iam:GetRolePolicy",
  "iam:GetPolicy",
  "iam:GetPolicyVersion",
  "iam:ListOpenIDConnectProviders",
  "iam:GetOpenIDConnectProvider",
] as const;

/** What the principal running `audit --organization` needs in the management account, besides the reads. */
export const AUDITOR_ORGANIZATION_ACTIONS = [
  "organizations:DescribeOrganization",
  "organizations:ListAccounts",
  "organizations:ListAccountsForParent",
  "organizations:ListOrganizationalUnitsForParent",
  "organizations:ListRoots",
] as const;

/** The identity policy of the principal that runs the audit (in the management account). */
export function auditorPolicy(roleName = DEFAULT_AUDIT_ROLE_NAME): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListTheOrganization",
        Effect: "Allow",
        Action: [...AUDITOR_ORGANIZATION_ACTIONS],
        Resource: "*",
      },
      {
        Sid: "EnterEachAccount",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: `arn:aws:iam::*:role/${roleName}`,
      },
      { Sid: "ReadThisAccount", Effect: "Allow", Action: [...AUDIT_READ_ACTIONS], Resource: "*" },
    ],
  };
}

export function auditRoleTemplate(): CfnTemplate {
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      "Read-only role bb-oidc audit enters to read OIDC providers, roles and their policies (IAM reads only). Deploy it to every account with a StackSet.",
    Parameters: {
      AuditorPrincipalArn: {
        Type: "String",
        Description:
          "Who may assume the role: the ARN of the role or user that runs bb-oidc audit, e.g. arn:aws:iam::111111111111:role/security-audit (or an account's :root).",
        AllowedPattern: "arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)",
      },
      RoleName: {
        Type: "String",
        Default: DEFAULT_AUDIT_ROLE_NAME,
        Description: "The role's name: what bb-oidc audit --assume-role-name is given.",
        AllowedPattern: `${IAM_NAME_CHARS}{1,64}`,
      },
      ExternalId: {
        Type: "String",
        Default: "",
        Description:
          "Optional: an external ID the auditor must pass (bb-oidc audit --external-id).",
      },
    },
    Conditions: {
      HasExternalId: { "Fn::Not": [{ "Fn::Equals": [{ Ref: "ExternalId" }, ""] }] },
    },
    Resources: {
      AuditRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: { Ref: "RoleName" },
          Description: "Entered by bb-oidc audit to read OIDC trust (read-only).",
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: { Ref: "AuditorPrincipalArn" } },
                Action: "sts:AssumeRole",
                Condition: {
                  "Fn::If": [
                    "HasExternalId",
                    { StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } },
                    { Ref: "AWS::NoValue" },
                  ],
                },
              },
            ],
          },
          Policies: [
            {
              PolicyName: "bb-oidc-audit-read",
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: [
                  {
                    Sid: "ReadOidcTrust",
                    Effect: "Allow",
                    Action: [...AUDIT_READ_ACTIONS],
                    Resource: "*",
                  },
                ],
              },
            },
          ],
          Tags: [{ Key: "managed-by", Value: "bb-oidc" }],
        },
      },
    },
    Outputs: {
      AuditRoleArn: {
        Description: "The role bb-oidc audit assumes",
        Value: { "Fn::GetAtt": ["AuditRole", "Arn"] },
      },
    },
  };
}
