import { el, memberList, text, type XmlChild, type XmlElement } from "../xml.js";
import type { ManagedPolicyView, OidcProviderStored, RoleStored, TagRecord } from "./records.js";

/** IAM's XML shapes for its entities, member order as IAM writes them. */

export function tagsXml(tags: TagRecord[]): XmlElement | undefined {
  if (tags.length === 0) return undefined;
  return memberList(
    "Tags",
    tags.map((t) => [el("Key", t.key), el("Value", t.value)]),
  );
}

/** IAM returns policy documents URL-encoded (RFC 3986), which clients decode. */
export function encodePolicy(document: string): string {
  return encodeURIComponent(document);
}

export function roleXml(r: RoleStored, name = "Role"): XmlElement {
  return el(
    name,
    el("Path", r.path),
    el("RoleName", r.name),
    el("RoleId", r.roleId),
    el("Arn", r.arn),
    el("CreateDate", r.createDate),
    el("AssumeRolePolicyDocument", encodePolicy(r.trustPolicy)),
    text("Description", r.description),
    el("MaxSessionDuration", String(r.maxSessionDuration)),
    tagsXml(r.tags),
  );
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

export function policyXml(p: ManagedPolicyView, name = "Policy"): XmlElement {
  return el(
    name,
    el("PolicyName", p.name),
    el("DefaultVersionId", "v1"),
    el("PolicyId", p.policyId),
    el("Path", p.path),
    el("Arn", p.arn),
    el("AttachmentCount", String(p.attachmentCount)),
    el("PermissionsBoundaryUsageCount", "0"),
    el("IsAttachable", "true"),
    text("Description", p.description),
    el("CreateDate", p.createDate),
    el("UpdateDate", p.updateDate),
    tagsXml(p.tags),
  );
}

/** IAM list paging: `Marker` is an opaque position, `MaxItems` defaults to 100. */
export function paginate<T>(
  items: T[],
  marker: string | undefined,
  maxItems: number | undefined,
): { page: T[]; tail: XmlChild[] } {
  const start = marker && /^\d+$/.test(marker) ? Number(marker) : 0;
  const size = maxItems ?? 100;
  const page = items.slice(start, start + size);
  const next = start + size;
  const truncated = next < items.length;
  return {
    page,
    tail: truncated
      ? [el("IsTruncated", "true"), el("Marker", String(next))]
      : [el("IsTruncated", "false")],
  };
}
