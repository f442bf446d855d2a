/**
 * Builds the CloudFormation template for a `bb-oidc.yaml`: the workspace's OIDC provider (or a
 * reference to an existing one) and one least-privilege role per entry. The template is
 * account-agnostic (ARNs come from pseudo parameters), so StackSets can deploy the same text to
 * every account or OU a role targets. Same config and options → same object, key order included.
 */
import { createHash } from "node:crypto";
import ipaddr from "ipaddr.js";
import { issuerFor, providerHostPath } from "../../bitbucket/index.js";
import { InputError } from "../../errors.js";
import { policySize } from "../../policy/size.js";
import { grantsEverything, isAdministratorAccessArn } from "../config/admin.js";
import { ADMIN_OPT_IN_FIELD, BITBUCKET_EGRESS } from "../config/load-config.js";
import type { BbOidcConfig, RoleConfig } from "../config/types.js";
import type { CfnResource, CfnTemplate } from "../reader/types.js";
import { PROVIDER_LOGICAL_ID, roleLogicalIds } from "./logical-ids.js";
import { type TrustInputs, trustPolicyDocument } from "./trust-policy.js";

export const DEFAULT_TRUST_POLICY_QUOTA = 2048;
/** The most quota L-C07B4B0D can be raised to. */
export const MAX_TRUST_POLICY_QUOTA = 8192;
/** Resource metadata key carrying facts the renderer and deploy read (admin grant, targets). */
export const METADATA_KEY = "bb-oidc";
/** Stands in for `${AWS::AccountId}` when measuring: every account ID is 12 digits. */
const SIZE_ACCOUNT = "123456789012";

export interface BuildOptions {
  /** Bitbucket Pipelines egress CIDRs (Atlassian's feed); required by `sourceIps: bitbucket-egress`. */
  egressRanges?: readonly string[];
  /** The account's role trust policy length quota; 2,048 unless raised (up to 8,192). */
  trustPolicyQuota?: number;
  /** One deployment unit's share of the config (src/provision/plan); default: everything. */
  unit?: TemplateUnit;
}

/** What one stack (or StackSet) of a split deployment holds. */
export interface TemplateUnit {
  /** Names of the roles it holds, as in the config. */
  roles: readonly string[];
  /** Whether it creates the provider (when the config creates one); others refer to it by ARN. */
  provider: boolean;
  /**
   * Each role only in its own accounts, through a Condition on AWS::AccountId: a StackSet
   * deploys one template to every account, and this keeps a role out of the others.
   */
  accountConditions: boolean;
}

export interface RoleMetadata {
  grantsAdministratorAccess?: true;
  targets: { accounts: string[] } | { organizationalUnits: string[] };
}

export function buildTemplate(config: BbOidcConfig, options: BuildOptions = {}): CfnTemplate {
  const quota = options.trustPolicyQuota ?? DEFAULT_TRUST_POLICY_QUOTA;
  if (!Number.isInteger(quota) || quota < 1 || quota > MAX_TRUST_POLICY_QUOTA) {
    throw new InputError(
      `trust policy quota must be a whole number from 1 to ${MAX_TRUST_POLICY_QUOTA}, got ${quota}`,
      {
        expected: `1–${MAX_TRUST_POLICY_QUOTA}`,
        actual: quota,
      },
    );
  }
  const issuer = issuerFor(config.workspace.slug, config.workspace.apiBase);
  if (issuer.length > 255) {
    throw new InputError(
      `the issuer URL is ${issuer.length} characters; IAM allows 255 for an OIDC provider URL`,
    );
  }
  const hostPath = providerHostPath(issuer);
  const egress =
    options.egressRanges === undefined ? undefined : normalizeRanges(options.egressRanges);

  const unit = options.unit;
  const included = unit ? new Set(unit.roles) : undefined;
  const resources: Record<string, CfnResource> = {};
  const outputs: Record<string, CfnOutputValue> = {};
  const conditions: Record<string, unknown> = {};
  let principal: unknown;
  if (config.provider.create && (unit?.provider ?? true)) {
    resources[PROVIDER_LOGICAL_ID] = {
      Type: "AWS::IAM::OIDCProvider",
      Properties: {
        Url: issuer,
        ClientIdList: [...config.audiences],
        ...(config.provider.thumbprints
          ? { ThumbprintList: config.provider.thumbprints.map((t) => t.toLowerCase()) }
          : {}),
        Tags: baseTags(config),
      },
    };
    principal = { Ref: PROVIDER_LOGICAL_ID };
  } else {
    // An existing provider: the ARN is built per target account, keeping the template portable.
    principal = {
      "Fn::Sub": `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:oidc-provider/${hostPath}`,
    };
  }
  outputs.ProviderArn = {
    Description: `ARN of the OIDC provider for ${issuer}`,
    Value: principal,
  };

  // Logical IDs come from the whole config, so a role keeps its ID whichever unit holds it.
  const ids = roleLogicalIds(config.roles.map((r) => r.name));
  config.roles.forEach((role, i) => {
    if (included && !included.has(role.name)) return;
    const id = ids[i]!;
    const admin = checkAdministratorAccess(role);
    const inputs: TrustInputs = {
      hostPath,
      audiences: config.audiences,
      ...sourceIpsFor(role, egress),
    };
    const measured = trustPolicyDocument(
      role,
      inputs,
      `arn:aws:iam::${SIZE_ACCOUNT}:oidc-provider/${hostPath}`,
    );
    const size = policySize(measured);
    if (size > quota) throw quotaError(role, size, quota);
    const metadata: RoleMetadata = {
      ...(admin ? { grantsAdministratorAccess: true as const } : {}),
      targets: role.accounts
        ? { accounts: [...role.accounts] }
        : { organizationalUnits: [...(role.organizationalUnits ?? [])] },
    };
    const condition =
      unit?.accountConditions && role.accounts
        ? accountCondition(conditions, role.accounts)
        : undefined;
    resources[id] = {
      Type: "AWS::IAM::Role",
      ...(condition ? { Condition: condition } : {}),
      Metadata: { [METADATA_KEY]: metadata },
      Properties: roleProperties(config, role, trustPolicyDocument(role, inputs, principal)),
    };
    outputs[`${id}Arn`] = {
      ...(condition ? { Condition: condition } : {}),
      Description: `ARN of role ${role.name}`,
      Value: { "Fn::GetAtt": [id, "Arn"] },
    };
  });

  const n = included ? included.size : config.roles.length;
  const roleCount = n === 1 ? "1 role" : `${n} roles`;
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `Bitbucket Pipelines OIDC trust for workspace ${config.workspace.slug} (${roleCount}). Generated by bb-oidc from bb-oidc.yaml; change that file, not this template.`,
    ...(Object.keys(conditions).length > 0 ? { Conditions: conditions } : {}),
    Resources: resources,
    Outputs: outputs,
  };
}

interface CfnOutputValue {
  Condition?: string;
  Description: string;
  Value: unknown;
}

/**
 * The condition "this stack is in one of `accounts`", shared by the roles with the same accounts:
 * `Fn::Equals` per account, joined by `Fn::Or` (which takes 2 to 10 conditions, so larger sets
 * are nested). Named after a hash of the sorted accounts, so the name never depends on order.
 */
function accountCondition(
  conditions: Record<string, unknown>,
  accounts: readonly string[],
): string {
  const sorted = [...new Set(accounts)].sort();
  const name = `InAccounts${createHash("sha256").update(sorted.join(",")).digest("hex").slice(0, 10)}`;
  if (conditions[name]) return name;
  let terms: unknown[] = sorted.map((a) => ({ "Fn::Equals": [{ Ref: "AWS::AccountId" }, a] }));
  while (terms.length > 1) {
    const next: unknown[] = [];
    for (let i = 0; i < terms.length; i += 10) {
      const group = terms.slice(i, i + 10);
      next.push(group.length === 1 ? group[0] : { "Fn::Or": group });
    }
    terms = next;
  }
  conditions[name] = terms[0];
  return name;
}

function baseTags(config: BbOidcConfig): { Key: string; Value: string }[] {
  return [
    { Key: "managed-by", Value: "bb-oidc" },
    { Key: "bb-oidc:workspace", Value: config.workspace.slug },
  ];
}

function roleProperties(
  config: BbOidcConfig,
  role: RoleConfig,
  trust: Record<string, unknown>,
): Record<string, unknown> {
  const inline = Object.entries(role.inlinePolicies);
  return {
    RoleName: role.name,
    Description:
      role.description ??
      `Assumed by Bitbucket Pipelines (workspace ${config.workspace.slug}) through OIDC. Managed by bb-oidc.`,
    ...(role.path ? { Path: role.path } : {}),
    AssumeRolePolicyDocument: trust,
    ...(role.managedPolicyArns.length > 0
      ? { ManagedPolicyArns: [...role.managedPolicyArns] }
      : {}),
    ...(inline.length > 0
      ? { Policies: inline.map(([name, doc]) => ({ PolicyName: name, PolicyDocument: doc })) }
      : {}),
    ...(role.permissionsBoundary ? { PermissionsBoundary: role.permissionsBoundary } : {}),
    ...(role.maxSessionDuration ? { MaxSessionDuration: role.maxSessionDuration } : {}),
    Tags: [
      ...baseTags(config),
      ...Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })),
    ],
  };
}

/** Repeats the config check: configs built in code never went through `loadConfig`. */
function checkAdministratorAccess(role: RoleConfig): boolean {
  const managed = role.managedPolicyArns.some(isAdministratorAccessArn);
  const inline = Object.values(role.inlinePolicies).some(grantsEverything);
  if ((managed || inline) && !role.allowAdministratorAccess) {
    throw new InputError(
      `role ${role.name} would get full administrator access (${managed ? "AdministratorAccess" : "an inline Allow of * on *"}), and it has not opted in`,
      {
        hint: `Attach only the permissions the pipeline needs, or set ${ADMIN_OPT_IN_FIELD}: true on the role if full admin is really meant.`,
      },
    );
  }
  return managed || inline;
}

function sourceIpsFor(role: RoleConfig, egress: string[] | undefined): { sourceIps?: string[] } {
  if (role.sourceIps === undefined) return {};
  if (role.sourceIps !== BITBUCKET_EGRESS) return { sourceIps: [...role.sourceIps] };
  if (!egress || egress.length === 0) {
    throw new InputError(
      `role ${role.name} uses sourceIps: ${BITBUCKET_EGRESS}, but no Bitbucket egress ranges were supplied`,
      {
        hint: "Download https://ip-ranges.atlassian.com/ and pass it (bb-oidc template --ip-ranges FILE). Steps egress from these ranges only with `runtime: cloud: atlassian-ip-ranges: true` on 4x/8x steps.",
      },
    );
  }
  return { sourceIps: egress };
}

/** Validated, de-duplicated and sorted (IPv4 before IPv6, by address), so feed order never shows in a diff. */
function normalizeRanges(ranges: readonly string[]): string[] {
  const parsed = new Map<string, { kind: string; bytes: number[]; prefix: number }>();
  for (const r of ranges) {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    let prefix: number;
    try {
      if (r.includes("/")) [addr, prefix] = ipaddr.parseCIDR(r);
      else {
        addr = ipaddr.parse(r);
        prefix = addr.kind() === "ipv4" ? 32 : 128;
      }
    } catch {
      throw new InputError(`egress range ${JSON.stringify(r)} is not a CIDR block`, { actual: r });
    }
    parsed.set(r, { kind: addr.kind(), bytes: addr.toByteArray(), prefix });
  }
  return [...parsed.entries()]
    .sort(([, a], [, b]) => {
      if (a.kind !== b.kind) return a.kind === "ipv4" ? -1 : 1;
      for (let i = 0; i < a.bytes.length; i++)
        if (a.bytes[i] !== b.bytes[i]) return a.bytes[i]! - b.bytes[i]!;
      return a.prefix - b.prefix;
    })
    .map(([r]) => r);
}

function quotaError(role: RoleConfig, size: number, quota: number): InputError {
  const max = MAX_TRUST_POLICY_QUOTA.toLocaleString("en-US");
  const raise = quota < MAX_TRUST_POLICY_QUOTA ? `, or raise the quota L-C07B4B0D to ${max}` : "";
  return new InputError(
    `the trust policy of role ${role.name} is ${size} characters, over the trust policy quota of ${quota}: split the role into several roles that each trust a smaller group of repositories${raise}`,
    {
      expected: `≤ ${quota}`,
      actual: size,
      hint:
        quota < MAX_TRUST_POLICY_QUOTA
          ? `Quota L-C07B4B0D ("Role trust policy length", IAM) is raised in Service Quotas; then pass --trust-policy-quota ${MAX_TRUST_POLICY_QUOTA}.`
          : "Group repositories into several roles in bb-oidc.yaml.",
    },
  );
}
