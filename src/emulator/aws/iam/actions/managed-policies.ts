import { checkConstraints } from "../../errors.js";
import { el, memberList } from "../../xml.js";
import { enumViolations, IAM_PATTERNS } from "../constraints.js";
import type { PolicyUsage } from "../managed-policies.js";
import { page } from "../paging.js";
import type { RoleStored, UserStored } from "../records.js";
import { pageTail, policyXml, versionXml } from "../shapes.js";
import { account, action, type Ctx, pagedList, paging, tagPage, tagsParam } from "./wire.js";

const USAGES = ["PermissionsPolicy", "PermissionsBoundary"] as const;
const SCOPES = ["All", "AWS", "Local"] as const;
const ENTITY_FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"] as const;

/** Managed policies, their versions, and who uses them. */
export const managedPolicyActions = {
  CreatePolicy: action(async (ctx) => {
    const p = ctx.params;
    const view = await ctx.backend.iam.policies.create(account(ctx), {
      name: p.required("PolicyName"),
      path: p.get("Path"),
      document: p.required("PolicyDocument"),
      description: p.get("Description"),
      tags: tagsParam(ctx),
    });
    return [policyXml(view)];
  }),
  GetPolicy: action(async (ctx) => [
    policyXml(ctx.backend.iam.policies.get(account(ctx), ctx.params.required("PolicyArn"))),
  ]),
  DeletePolicy: action(async (ctx) => {
    await ctx.backend.iam.policies.delete(account(ctx), ctx.params.required("PolicyArn"));
    return null;
  }),
  ListPolicies: action(async (ctx) => {
    const {
      pathPrefix,
      usage,
      other: scope,
    } = listFilters(ctx, IAM_PATTERNS.policyPath, {
      param: "Scope",
      member: "scope",
      allowed: SCOPES,
    });
    const all = ctx.backend.iam.policies.list(account(ctx), {
      scope: (scope ?? "All") as (typeof SCOPES)[number],
      onlyAttached: ctx.params.boolean("OnlyAttached") ?? false,
      ...(pathPrefix !== undefined ? { pathPrefix } : {}),
      ...(usage !== undefined ? { usage: usage as PolicyUsage } : {}),
    });
    return pagedList(
      ctx,
      "Policies",
      all,
      (v) => policyXml(v, { name: "member", listed: true }).children,
    );
  }),
  ListEntitiesForPolicy: action(async (ctx) => {
    const {
      pathPrefix,
      usage,
      other: filter,
    } = listFilters(ctx, IAM_PATTERNS.path, {
      param: "EntityFilter",
      member: "entityFilter",
      allowed: ENTITY_FILTERS,
    });
    const arn = ctx.params.required("PolicyArn");
    const opts = {
      ...(usage !== undefined ? { usage: usage as PolicyUsage } : {}),
      ...(pathPrefix !== undefined ? { pathPrefix } : {}),
    };
    const policies = ctx.backend.iam.policies;
    // One list paged together, users then roles; the emulator has no groups.
    const entities: Array<{ user: UserStored } | { role: RoleStored }> = [
      ...(filter === undefined || filter === "User"
        ? policies.usersUsing(account(ctx), arn, opts).map((user) => ({ user }))
        : []),
      ...(filter === undefined || filter === "Role"
        ? policies.rolesUsing(account(ctx), arn, opts).map((role) => ({ role }))
        : []),
    ];
    const p = page(entities, paging(ctx));
    return [
      el("PolicyGroups"),
      memberList(
        "PolicyUsers",
        p.page.flatMap((e) =>
          "user" in e ? [[el("UserName", e.user.name), el("UserId", e.user.userId)]] : [],
        ),
      ),
      memberList(
        "PolicyRoles",
        p.page.flatMap((e) =>
          "role" in e ? [[el("RoleName", e.role.name), el("RoleId", e.role.roleId)]] : [],
        ),
      ),
      ...pageTail(p.marker),
    ];
  }),

  CreatePolicyVersion: action(async (ctx) => {
    const v = await ctx.backend.iam.policyVersions.create(
      account(ctx),
      ctx.params.required("PolicyArn"),
      ctx.params.required("PolicyDocument"),
      ctx.params.boolean("SetAsDefault") ?? false,
    );
    return [versionXml(v, { withDocument: false })];
  }),
  GetPolicyVersion: action(async (ctx) => [
    versionXml(
      ctx.backend.iam.policyVersions.get(
        account(ctx),
        ctx.params.required("PolicyArn"),
        ctx.params.required("VersionId"),
      ),
    ),
  ]),
  ListPolicyVersions: action(async (ctx) => {
    const arn = ctx.params.required("PolicyArn");
    const versions = ctx.backend.iam.policyVersions.list(account(ctx), arn);
    return pagedList(
      ctx,
      "Versions",
      versions,
      (v) => versionXml(v, { name: "member", withDocument: false }).children,
    );
  }),
  DeletePolicyVersion: action(async (ctx) => {
    await ctx.backend.iam.policyVersions.delete(
      account(ctx),
      ctx.params.required("PolicyArn"),
      ctx.params.required("VersionId"),
    );
    return null;
  }),
  SetDefaultPolicyVersion: action(async (ctx) => {
    await ctx.backend.iam.policyVersions.setDefault(
      account(ctx),
      ctx.params.required("PolicyArn"),
      ctx.params.required("VersionId"),
    );
    return null;
  }),

  TagPolicy: action(async (ctx) => {
    await ctx.backend.iam.policies.tag(
      account(ctx),
      ctx.params.required("PolicyArn"),
      tagsParam(ctx),
    );
    return null;
  }),
  UntagPolicy: action(async (ctx) => {
    await ctx.backend.iam.policies.untag(
      account(ctx),
      ctx.params.required("PolicyArn"),
      ctx.params.list("TagKeys"),
    );
    return null;
  }),
  ListPolicyTags: action(async (ctx) =>
    tagPage(ctx, ctx.backend.iam.policies.listTags(account(ctx), ctx.params.required("PolicyArn"))),
  ),
};

/** PathPrefix, PolicyUsageFilter and one more enum filter, read and checked together. */
function listFilters(
  ctx: Ctx,
  pathPattern: { re: RegExp; text: string },
  other: { param: string; member: string; allowed: readonly string[] },
) {
  const values = {
    pathPrefix: ctx.params.get("PathPrefix"),
    usage: ctx.params.get("PolicyUsageFilter"),
    other: ctx.params.get(other.param),
  };
  checkConstraints(
    [
      {
        name: "pathPrefix",
        value: values.pathPrefix,
        minLength: 1,
        maxLength: 512,
        pattern: pathPattern,
      },
    ],
    [
      ...enumViolations(other.member, values.other, other.allowed),
      ...enumViolations("policyUsageFilter", values.usage, USAGES),
    ],
  );
  return values;
}
