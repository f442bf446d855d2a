import { el, memberList } from "../../xml.js";
import { attachedViews } from "../attached-policies.js";
import type { AuthorizationDetail } from "../authorization-details.js";
import {
  attachedXml,
  boundaryXml,
  encodePolicy,
  lastUsedXml,
  pageTail,
  roleCore,
  tagsXml,
  userCore,
  versionXml,
} from "../shapes.js";
import { account, action, paging } from "./wire.js";

/** GetAccountAuthorizationDetails: users, roles and managed policies with everything that decides access. */
export const authorizationDetailsActions = {
  GetAccountAuthorizationDetails: action(async (ctx) => {
    const filter = ctx.params.list("Filter");
    const { items, marker } = ctx.backend.iam.accountAuthorizationDetails(account(ctx), {
      ...(filter !== undefined ? { filter } : {}),
      ...paging(ctx),
    });
    const users = items.filter((i) => i.kind === "user");
    const roles = items.filter((i) => i.kind === "role");
    const policies = items.filter((i) => i.kind === "policy");
    return [
      memberList("UserDetailList", users.map(userDetailXml)),
      el("GroupDetailList"),
      memberList("RoleDetailList", roles.map(roleDetailXml)),
      memberList("Policies", policies.map(policyDetailXml)),
      ...pageTail(marker),
    ];
  }),
};

/** A user and its attached policies (the emulator keeps no inline user policies or groups). */
function userDetailXml(d: Extract<AuthorizationDetail, { kind: "user" }>) {
  return [
    userCore(d.user),
    el("UserPolicyList"),
    el("GroupList"),
    memberList(
      "AttachedManagedPolicies",
      attachedViews(d.user.attachedPolicyArns ?? []).map(attachedXml),
    ),
    tagsXml(d.user.tags),
  ];
}

function roleDetailXml(d: Extract<AuthorizationDetail, { kind: "role" }>) {
  const r = d.role;
  return [
    roleCore(r),
    el("InstanceProfileList"),
    memberList(
      "RolePolicyList",
      d.inlinePolicies.map((p) => [
        el("PolicyName", p.policyName),
        el("PolicyDocument", encodePolicy(p.document)),
      ]),
    ),
    memberList("AttachedManagedPolicies", attachedViews(r.attachedPolicyArns).map(attachedXml)),
    boundaryXml(r.permissionsBoundary),
    tagsXml(r.tags),
    lastUsedXml(d.lastUsed),
  ];
}

function policyDetailXml(d: Extract<AuthorizationDetail, { kind: "policy" }>) {
  const p = d.policy;
  return [
    el("PolicyName", p.name),
    el("PolicyId", p.policyId),
    el("Arn", p.arn),
    el("Path", p.path),
    el("DefaultVersionId", p.defaultVersionId),
    el("AttachmentCount", String(p.attachmentCount)),
    el("PermissionsBoundaryUsageCount", String(p.permissionsBoundaryUsageCount)),
    el("IsAttachable", "true"),
    p.description !== undefined && el("Description", p.description),
    el("CreateDate", p.createDate),
    el("UpdateDate", p.updateDate),
    memberList(
      "PolicyVersionList",
      d.versions.map((v) => versionXml(v).children),
    ),
  ];
}
