/**
 * The IAM view of a resolved template: OIDC providers, roles and policies with the fields lint,
 * who-can and `explain --template` read. Values that stayed unresolved are reported as undefined
 * in the typed fields; `properties` always has everything.
 */
import type { ResolvedResource, ResolvedTemplate } from "./resolve-types.js";

export interface IamProvider {
  logicalId: string;
  arn?: string;
  url?: string;
  clientIds: string[];
  thumbprints: string[];
  properties: Record<string, unknown>;
}

export interface IamInlinePolicy {
  name?: string;
  document: unknown;
}

export interface IamRole {
  logicalId: string;
  name?: string;
  arn?: string;
  path: string;
  /** The trust policy as an object (a JSON string in the template has been parsed). */
  trustPolicy: unknown;
  managedPolicyArns: string[];
  inlinePolicies: IamInlinePolicy[];
  permissionsBoundary?: string;
  maxSessionDuration?: number;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
}

export interface IamPolicy {
  logicalId: string;
  type: "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" | "AWS::IAM::RolePolicy";
  name?: string;
  arn?: string;
  document: unknown;
  /** Role names it is attached to (Roles, or RoleName for RolePolicy). */
  roles: string[];
  properties: Record<string, unknown>;
}

export interface IamResources {
  providers: IamProvider[];
  roles: IamRole[];
  policies: IamPolicy[];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function tags(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(v)) return out;
  for (const t of v) {
    if (t && typeof t === "object" && typeof t.Key === "string" && typeof t.Value === "string") {
      out[t.Key] = t.Value;
    }
  }
  return out;
}

function optional<K extends string, V>(key: K, v: V | undefined): Partial<Record<K, V>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, V>);
}

export function iamResources(resolved: ResolvedTemplate): IamResources {
  const out: IamResources = { providers: [], roles: [], policies: [] };
  for (const res of Object.values(resolved.resources)) {
    const p = res.properties;
    switch (res.type) {
      case "AWS::IAM::OIDCProvider":
        out.providers.push({
          logicalId: res.logicalId,
          ...optional("arn", res.attributes.Arn),
          ...optional("url", str(p.Url)),
          clientIds: strings(p.ClientIdList),
          thumbprints: strings(p.ThumbprintList),
          properties: p,
        });
        break;
      case "AWS::IAM::Role":
        out.roles.push(role(res));
        break;
      case "AWS::IAM::ManagedPolicy":
      case "AWS::IAM::Policy":
      case "AWS::IAM::RolePolicy":
        out.policies.push({
          logicalId: res.logicalId,
          type: res.type,
          ...optional("name", str(p.ManagedPolicyName) ?? str(p.PolicyName)),
          ...optional("arn", res.attributes.PolicyArn),
          document: p.PolicyDocument,
          roles: res.type === "AWS::IAM::RolePolicy" ? strings([p.RoleName]) : strings(p.Roles),
          properties: p,
        });
        break;
    }
  }
  return out;
}

function role(res: ResolvedResource): IamRole {
  const p = res.properties;
  const inline = Array.isArray(p.Policies) ? p.Policies : [];
  const duration = Number(p.MaxSessionDuration);
  return {
    logicalId: res.logicalId,
    ...optional("name", res.physicalId),
    ...optional("arn", res.attributes.Arn),
    path: str(p.Path) ?? "/",
    trustPolicy: p.AssumeRolePolicyDocument,
    managedPolicyArns: strings(p.ManagedPolicyArns),
    inlinePolicies: inline.map((ip) => ({
      ...optional("name", str(ip?.PolicyName)),
      document: ip?.PolicyDocument,
    })),
    ...optional("permissionsBoundary", str(p.PermissionsBoundary)),
    ...optional(
      "maxSessionDuration",
      p.MaxSessionDuration === undefined || Number.isNaN(duration) ? undefined : duration,
    ),
    tags: tags(p.Tags),
    properties: p,
  };
}
