import { el, memberList, text, type XmlChild, type XmlElement, type XmlInput } from "../xml.js";
import type {
  AccessKeyStored,
  ManagedPolicyView,
  OidcProviderStored,
  PolicyVersionView,
  RoleLastUsedStored,
  RoleStored,
  TagRecord,
  UserStored,
} from "./records.js";

/** IAM's XML shapes for its entities, member order as IAM writes them. */

export function tagsXml(tags: readonly TagRecord[], name = "Tags"): XmlElement | undefined {
  if (tags.length === 0) return undefined;
  return memberList(
    name,
    tags.map((t) => [el("Key", t.key), el("Value", t.value)]),
  );
}

/** IAM returns policy documents URL-encoded (RFC 3986), which clients decode. */
export function encodePolicy(document: string): string {
  return encodeURIComponent(document);
}

export function boundaryXml(arn: string | undefined): XmlElement | undefined {
  // IAM answers "Policy" here, though its model's enum says PermissionsBoundaryPolicy.
  return arn === undefined
    ? undefined
    : el(
        "PermissionsBoundary",
        el("PermissionsBoundaryType", "Policy"),
        el("PermissionsBoundaryArn", arn),
      );
}

export function lastUsedXml(used: RoleLastUsedStored | undefined): XmlElement {
  return el(
    "RoleLastUsed",
    used && [el("LastUsedDate", used.lastUsedDate), el("Region", used.region)],
  );
}

/** The members every role shape starts with. */
export function roleCore(r: RoleStored): XmlChild[] {
  return [
    el("Path", r.path),
    el("RoleName", r.name),
    el("RoleId", r.roleId),
    el("Arn", r.arn),
    el("CreateDate", r.createDate),
    el("AssumeRolePolicyDocument", encodePolicy(r.trustPolicy)),
  ];
}

/**
 * CreateRole, UpdateRoleDescription: the role. GetRole adds RoleLastUsed (`withLastUsed`, empty
 * when never used). ListRoles leaves out the boundary and tags (`listed`), as IAM lists do.
 */
export function roleXml(
  r: RoleStored,
  opts: {
    name?: string;
    listed?: boolean;
    withLastUsed?: boolean;
    lastUsed?: RoleLastUsedStored;
  } = {},
): XmlElement {
  return el(
    opts.name ?? "Role",
    roleCore(r),
    text("Description", r.description),
    el("MaxSessionDuration", String(r.maxSessionDuration)),
    !opts.listed && boundaryXml(r.permissionsBoundary),
    !opts.listed && tagsXml(r.tags),
    opts.withLastUsed && lastUsedXml(opts.lastUsed),
  );
}

/** `<PolicyName>` and `<PolicyArn>` of an attached policy. */
export function attachedXml(a: { name: string; arn: string }): XmlChild[] {
  return [el("PolicyName", a.name), el("PolicyArn", a.arn)];
}

/** The members every user shape starts with. */
export function userCore(u: UserStored): XmlChild[] {
  return [
    el("Path", u.path),
    el("UserName", u.name),
    el("UserId", u.userId),
    el("Arn", u.arn),
    el("CreateDate", u.createDate),
  ];
}

/** CreateUser, GetUser: the user; ListUsers leaves out the tags (`listed`), as IAM lists do. */
export function userXml(u: UserStored, opts: { listed?: boolean } = {}): XmlElement {
  return el("User", userCore(u), !opts.listed && tagsXml(u.tags));
}

/** CreateAccessKey's AccessKey (with the secret, its only appearance), or ListAccessKeys' metadata. */
export function accessKeyXml(k: AccessKeyStored, opts: { withSecret?: boolean } = {}): XmlInput[] {
  return [
    el("UserName", k.userName),
    el("AccessKeyId", k.accessKeyId),
    el("Status", k.status),
    opts.withSecret && el("SecretAccessKey", k.secretAccessKey),
    el("CreateDate", k.createDate),
  ];
}

export function providerXml(p: OidcProviderStored): XmlChild[] {
  return [
    memberList("ThumbprintList", p.thumbprints),
    el("CreateDate", p.createDate),
    memberList("ClientIDList", p.clientIds),
    el("Url", p.url),
    tagsXml(p.tags) ?? el("Tags"),
  ];
}

/** GetPolicy/CreatePolicy; ListPolicies (`listed`) leaves out the tags, as IAM does. */
export function policyXml(p: ManagedPolicyView, opts: { name?: string; listed?: boolean } = {}) {
  return el(
    opts.name ?? "Policy",
    el("PolicyName", p.name),
    el("DefaultVersionId", p.defaultVersionId),
    el("PolicyId", p.policyId),
    el("Path", p.path),
    el("Arn", p.arn),
    el("AttachmentCount", String(p.attachmentCount)),
    el("PermissionsBoundaryUsageCount", String(p.permissionsBoundaryUsageCount)),
    el("IsAttachable", "true"),
    text("Description", p.description),
    el("CreateDate", p.createDate),
    el("UpdateDate", p.updateDate),
    !opts.listed && tagsXml(p.tags),
  );
}

/** A policy version; ListPolicyVersions leaves out the document (`withDocument: false`). */
export function versionXml(
  v: PolicyVersionView,
  opts: { name?: string; withDocument?: boolean } = {},
): XmlElement {
  return el(
    opts.name ?? "PolicyVersion",
    opts.withDocument !== false && el("Document", encodePolicy(v.document)),
    el("VersionId", v.versionId),
    el("IsDefaultVersion", String(v.isDefault)),
    el("CreateDate", v.createDate),
  );
}

/** `IsTruncated` and, when there is more, the `Marker` to ask for it with. */
export function pageTail(marker: string | undefined): XmlChild[] {
  return marker === undefined
    ? [el("IsTruncated", "false")]
    : [el("IsTruncated", "true"), el("Marker", marker)];
}
