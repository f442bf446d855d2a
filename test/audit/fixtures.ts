/**
 * An organisation to audit, planted through the SDK as a platform team's accounts would be:
 * Bitbucket, GitHub, GitLab, HCP Terraform, CircleCI and one unknown issuer; safe roles, roles
 * any repository can assume, dead roles, admin blast radius. `EXPECTED` is what the audit must
 * report about each role — nothing else (no findings on the safe ones).
 */
import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";

export const MANAGEMENT = "100000000001";
export const PROD_A = "200000000001";
export const PROD_B = "200000000002";
export const DEV = "300000000001";
/** In an OU, but the emulator serves no such account: it cannot be entered. */
export const GHOST = "999999999990";

export const OUS = {
  "ou-ab12-prod0000": [PROD_A, PROD_B],
  "ou-ab12-dev00000": [DEV, GHOST],
};

/** The stand-in issuer's workspace (test/emulator/aws/pipeline-issuer.ts): its tokens carry this audience. */
export const WORKSPACE_UUID = "{0b7e3a0c-5f1e-4b8e-9d3a-2f6c1b4a7e91}";
export const AUDIENCE = `ari:cloud:bitbucket::workspace/${WORKSPACE_UUID.slice(1, -1)}`;
/** The repository whose scheduled pipeline runs the audit (the stand-in issuer's tokens name it). */
export const AUDIT_REPO = "{5d2f3a1e-7c4b-4e8a-9f1d-3b6a2c8e4f70}";
/** The role that pipeline assumes in the management account to run the audit. */
export const AUDITOR_ROLE = "security-audit";
export const BITBUCKET = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
export const GITHUB = "token.actions.githubusercontent.com";
export const GITLAB = "gitlab.com";
export const TERRAFORM = "app.terraform.io";
export const CIRCLECI_ORG = "2f1e7a4c-8b3d-4c6e-9f0a-1d2b3c4e5f60";
export const CIRCLECI = `oidc.circleci.com/org/${CIRCLECI_ORG}`;
export const OTHER_ISSUER = "oidc.example.net";

export const REPO = "{0b6f3c2e-9d41-4a7e-8c15-3e2f1d0a9b87}";
export const ENV = "{c3d2e1f0-a9b8-4c7d-9e6f-5a4b3c2d1e0f}";

const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const POWER = "arn:aws:iam::aws:policy/PowerUserAccess";

/** Rules provision adds to lint; where they exist, the audit must report them too. */
const ifRule = (id: string): string[] => (RULES.some((r) => r.id === id) ? [id] : []);

function trust(
  account: string,
  url: string,
  conditions: Record<string, Record<string, unknown>>,
  action = "sts:AssumeRoleWithWebIdentity",
) {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${url}` },
        Action: action,
        ...(Object.keys(conditions).length ? { Condition: conditions } : {}),
      },
    ],
  });
}

const LIMITED = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::acme-web/*" }],
});

interface Plant {
  name: string;
  url: string;
  conditions: Record<string, Record<string, unknown>>;
  managed?: string;
  inline?: string;
  /** A customer managed policy (document) created in the account and attached. */
  customerManaged?: string;
  /** Trust a provider of this URL that the account does not have. */
  providerMissing?: boolean;
  /** Name the provider in this account's ARN instead of the role's own. */
  providerAccount?: string;
  /** The trust statement's action, when not sts:AssumeRoleWithWebIdentity. */
  action?: string;
}

/** What the audit must say about a role: rule IDs (sorted) and its severity-driving reach. */
export interface Expectation {
  account: string;
  role: string;
  rules: string[];
  reach: string;
}

export const EXPECTED: Expectation[] = [];

function plant(account: string, p: Plant, rules: string[], reach: string): Plant {
  EXPECTED.push({ account, role: p.name, rules: [...rules].sort(), reach });
  return p;
}

import { RULES } from "../../src/provision/lint/rules/index.js";

const bb = (conditions: Record<string, Record<string, unknown>>) => conditions;

export function plants(): Record<string, Plant[]> {
  EXPECTED.length = 0;
  return {
    [MANAGEMENT]: [
      plant(
        MANAGEMENT,
        {
          name: AUDITOR_ROLE,
          url: BITBUCKET,
          conditions: bb({
            StringEquals: { [`${BITBUCKET}:aud`]: AUDIENCE },
            StringLike: { [`${BITBUCKET}:sub`]: `${AUDIT_REPO}:*` },
          }),
          inline: LIMITED,
        },
        [],
        "scoped",
      ),
      plant(
        MANAGEMENT,
        {
          name: "deploy-web",
          url: BITBUCKET,
          conditions: bb({
            StringEquals: { [`${BITBUCKET}:aud`]: AUDIENCE },
            StringLike: { [`${BITBUCKET}:sub`]: `${REPO}:*` },
          }),
          inline: LIMITED,
        },
        [],
        "scoped",
      ),
    ],
    [PROD_A]: [
      plant(
        PROD_A,
        {
          name: "deploy-web-prod",
          url: BITBUCKET,
          conditions: bb({
            StringEquals: { [`${BITBUCKET}:aud`]: AUDIENCE },
            StringLike: { [`${BITBUCKET}:sub`]: `${REPO}:${ENV}:*` },
          }),
          inline: LIMITED,
        },
        [],
        "scoped",
      ),
      plant(
        PROD_A,
        {
          name: "seed-admin",
          url: BITBUCKET,
          conditions: bb({ StringEquals: { [`${BITBUCKET}:aud`]: AUDIENCE } }),
          managed: ADMIN,
        },
        ["admin-access", "no-subject-condition"],
        "owner",
      ),
      plant(
        PROD_A,
        {
          name: "gha-no-sub",
          url: GITHUB,
          conditions: { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" } },
          managed: POWER,
        },
        ["platform-wide-subject"],
        "platform",
      ),
      plant(
        PROD_A,
        {
          name: "gha-web-prod",
          url: GITHUB,
          conditions: {
            StringEquals: {
              [`${GITHUB}:aud`]: "sts.amazonaws.com",
              [`${GITHUB}:sub`]: "repo:acme/web:environment:production",
            },
          },
          inline: LIMITED,
        },
        [],
        "scoped",
      ),
      plant(
        PROD_A,
        {
          name: "gha-any-acme",
          url: GITHUB,
          conditions: {
            StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" },
            StringLike: { [`${GITHUB}:sub`]: "repo:acme/*" },
          },
          inline: LIMITED,
        },
        ["owner-wide-subject"],
        "owner",
      ),
      plant(
        PROD_A,
        {
          name: "gha-prefix",
          url: GITHUB,
          conditions: {
            StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" },
            StringLike: { [`${GITHUB}:sub`]: "repo:acme*" },
          },
          inline: LIMITED,
        },
        ["platform-wide-subject"],
        "platform",
      ),
    ],
    [PROD_B]: [
      plant(
        PROD_B,
        {
          name: "dead-audience",
          url: BITBUCKET,
          conditions: bb({
            StringEquals: { [`${BITBUCKET}:aud`]: "ari:cloud:bitbucket::workspace/someone-else" },
            StringLike: { [`${BITBUCKET}:sub`]: `${REPO}:*` },
          }),
          inline: LIMITED,
        },
        ["unassumable-role"],
        "none",
      ),
      plant(
        PROD_B,
        {
          name: "dead-key",
          url: BITBUCKET,
          conditions: bb({
            StringEquals: {
              [`${BITBUCKET}:aud`]: AUDIENCE,
              [`${BITBUCKET}:repositoryUuid`]: REPO,
            },
          }),
          inline: LIMITED,
        },
        ["unassumable-role", ...ifRule("condition-key-never-set")],
        "none",
      ),
      plant(
        PROD_B,
        {
          name: "oidc-with-assume-role",
          url: BITBUCKET,
          action: "sts:AssumeRole",
          conditions: bb({
            StringEquals: { [`${BITBUCKET}:aud`]: AUDIENCE },
            StringLike: { [`${BITBUCKET}:sub`]: `${REPO}:*` },
          }),
          inline: LIMITED,
        },
        ["unassumable-role", ...ifRule("action-principal-mismatch")],
        "none",
      ),
      plant(
        PROD_B,
        {
          name: "other-workspace",
          url: "api.bitbucket.org/2.0/workspaces/elsewhere/pipelines-config/identity/oidc",
          providerMissing: true,
          conditions: bb({
            StringLike: {
              "api.bitbucket.org/2.0/workspaces/elsewhere/pipelines-config/identity/oidc:sub": `${REPO}:*`,
            },
          }),
          inline: LIMITED,
        },
        ["no-audience-condition", "oidc-provider-missing", "unassumable-role"],
        "none",
      ),
    ],
    [DEV]: [
      plant(
        DEV,
        {
          name: "provider-elsewhere",
          url: BITBUCKET,
          providerAccount: MANAGEMENT,
          conditions: bb({
            StringEquals: { [`${BITBUCKET}:aud`]: AUDIENCE },
            StringLike: { [`${BITBUCKET}:sub`]: `${REPO}:*` },
          }),
          inline: LIMITED,
        },
        ["federated-provider-other-account", "unassumable-role"],
        "none",
      ),
      plant(
        DEV,
        {
          name: "ip-listed",
          url: BITBUCKET,
          conditions: bb({
            StringEquals: { [`${BITBUCKET}:aud`]: AUDIENCE },
            StringLike: { [`${BITBUCKET}:sub`]: `${REPO}:*` },
            IpAddress: { "aws:SourceIp": ["203.0.113.10/32", "203.0.113.11/32"] },
          }),
          inline: LIMITED,
        },
        ["ip-condition-needs-static-egress"],
        "scoped",
      ),
      plant(
        DEV,
        {
          // What some public generators write: a set operator on the single-valued sub.
          name: "set-operator-sub",
          url: BITBUCKET,
          conditions: bb({
            StringEquals: { [`${BITBUCKET}:aud`]: AUDIENCE },
            "ForAnyValue:StringLike": { [`${BITBUCKET}:sub`]: `${REPO}:*` },
          }),
          inline: LIMITED,
        },
        ["set-operator-on-single-valued-claim"],
        "scoped",
      ),
      plant(
        DEV,
        {
          name: "gitlab-group",
          url: GITLAB,
          conditions: {
            StringEquals: { [`${GITLAB}:aud`]: "https://gitlab.com" },
            StringLike: { [`${GITLAB}:sub`]: "project_path:acme/*" },
          },
          inline: LIMITED,
        },
        ["owner-wide-subject"],
        "owner",
      ),
      plant(
        DEV,
        {
          name: "gitlab-one-project",
          url: GITLAB,
          conditions: {
            StringEquals: { [`${GITLAB}:aud`]: "https://gitlab.com" },
            StringLike: { [`${GITLAB}:sub`]: "project_path:acme/infra:ref_type:branch:ref:main" },
          },
          // Admin one step later: it may attach any policy to any role.
          customerManaged: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["iam:*", "s3:GetObject"], Resource: "*" }],
          }),
        },
        ["iam-escalation"],
        "scoped",
      ),
      plant(
        DEV,
        {
          name: "tfc-any-org",
          url: TERRAFORM,
          conditions: { StringEquals: { [`${TERRAFORM}:aud`]: "aws.workload.identity" } },
          managed: ADMIN,
        },
        ["admin-access", "platform-wide-subject"],
        "platform",
      ),
      plant(
        DEV,
        {
          name: "circleci-any-project",
          url: CIRCLECI,
          conditions: { StringEquals: { [`${CIRCLECI}:aud`]: CIRCLECI_ORG } },
          inline: LIMITED,
        },
        ["owner-wide-subject"],
        "owner",
      ),
      plant(
        DEV,
        {
          name: "other-issuer-any",
          url: OTHER_ISSUER,
          conditions: { StringEquals: { [`${OTHER_ISSUER}:aud`]: "aws" } },
          inline: LIMITED,
        },
        ["owner-wide-subject"],
        "owner",
      ),
    ],
  };
}

export const CLIENT_IDS: Record<string, string[]> = {
  [BITBUCKET]: [AUDIENCE],
  [GITHUB]: ["sts.amazonaws.com"],
  [GITLAB]: ["https://gitlab.com"],
  [TERRAFORM]: ["aws.workload.identity"],
  [CIRCLECI]: [CIRCLECI_ORG],
  [OTHER_ISSUER]: ["aws"],
};

/** Creates each role's provider (once per account) and the role with its permissions. */
export async function plantAccount(iam: IAMClient, account: string, list: Plant[]): Promise<void> {
  const made = new Set<string>();
  for (const p of list) {
    if (!p.providerMissing && !made.has(p.url)) {
      made.add(p.url);
      await iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: `https://${p.url}`,
          // No thumbprints: IAM takes the issuer's own (the emulator's stand-in Bitbucket), or none.
          ClientIDList: CLIENT_IDS[p.url]!,
        }),
      );
    }
    await iam.send(
      new CreateRoleCommand({
        RoleName: p.name,
        AssumeRolePolicyDocument: trust(
          p.providerAccount ?? account,
          p.url,
          p.conditions,
          p.action,
        ),
      }),
    );
    if (p.managed)
      await iam.send(new AttachRolePolicyCommand({ RoleName: p.name, PolicyArn: p.managed }));
    if (p.customerManaged) {
      const made = await iam.send(
        new CreatePolicyCommand({
          PolicyName: `${p.name}-policy`,
          PolicyDocument: p.customerManaged,
        }),
      );
      await iam.send(
        new AttachRolePolicyCommand({ RoleName: p.name, PolicyArn: made.Policy!.Arn! }),
      );
    }
    if (p.inline) {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: p.name,
          PolicyName: "deploy",
          PolicyDocument: p.inline,
        }),
      );
    }
  }
}
