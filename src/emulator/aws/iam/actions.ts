import type { AwsBackend } from "../backend.js";
import { missingParameter } from "../errors.js";
import type { ActionContext, ActionSpec } from "../service.js";
import { el, memberList } from "../xml.js";
import type { TagRecord } from "./records.js";
import { encodePolicy, paginate, policyXml, providerXml, roleXml, tagsXml } from "./shapes.js";

type Ctx = ActionContext<AwsBackend>;

/** IAM acts on the caller's own account. */
function account(ctx: Ctx): string {
  return ctx.caller!.account;
}

function tags(ctx: Ctx): TagRecord[] | undefined {
  return ctx.params.structList("Tags")?.map((t) => ({ key: t.Key ?? "", value: t.Value ?? "" }));
}

function requiredList(ctx: Ctx, name: string): string[] {
  const list = ctx.params.list(name);
  if (list === undefined) throw missingParameter(name);
  return list;
}

function paging(ctx: Ctx) {
  return {
    marker: ctx.params.get("Marker"),
    maxItems: ctx.params.integer("MaxItems", "maxItems"),
  };
}

const action = (handler: ActionSpec<AwsBackend>["handler"]): ActionSpec<AwsBackend> => ({
  handler,
});

export const iamActions: Record<string, ActionSpec<AwsBackend>> = {
  // ---- OIDC providers ----
  CreateOpenIDConnectProvider: action(async (ctx) => {
    const p = ctx.params;
    const record = await ctx.backend.iam.createOpenIdConnectProvider(account(ctx), {
      url: p.required("Url"),
      clientIds: p.list("ClientIDList"),
      thumbprints: p.list("ThumbprintList"),
      tags: tags(ctx),
    });
    const tagList = tagsXml(record.tags);
    return tagList
      ? [el("OpenIDConnectProviderArn", record.arn), tagList]
      : [el("OpenIDConnectProviderArn", record.arn)];
  }),
  GetOpenIDConnectProvider: action(async (ctx) =>
    providerXml(
      ctx.backend.iam.getOpenIdConnectProvider(
        account(ctx),
        ctx.params.required("OpenIDConnectProviderArn"),
      ),
    ),
  ),
  ListOpenIDConnectProviders: action(async (ctx) => [
    memberList(
      "OpenIDConnectProviderList",
      ctx.backend.iam.listOpenIdConnectProviders(account(ctx)).map((p) => el("Arn", p.arn)),
    ),
  ]),
  DeleteOpenIDConnectProvider: action(async (ctx) => {
    await ctx.backend.iam.deleteOpenIdConnectProvider(
      account(ctx),
      ctx.params.required("OpenIDConnectProviderArn"),
    );
    return null;
  }),
  UpdateOpenIDConnectProviderThumbprint: action(async (ctx) => {
    await ctx.backend.iam.updateOpenIdConnectProviderThumbprint(
      account(ctx),
      ctx.params.required("OpenIDConnectProviderArn"),
      requiredList(ctx, "ThumbprintList"),
    );
    return null;
  }),
  AddClientIDToOpenIDConnectProvider: action(async (ctx) => {
    await ctx.backend.iam.addClientIdToOpenIdConnectProvider(
      account(ctx),
      ctx.params.required("OpenIDConnectProviderArn"),
      ctx.params.required("ClientID"),
    );
    return null;
  }),
  RemoveClientIDFromOpenIDConnectProvider: action(async (ctx) => {
    await ctx.backend.iam.removeClientIdFromOpenIdConnectProvider(
      account(ctx),
      ctx.params.required("OpenIDConnectProviderArn"),
      ctx.params.required("ClientID"),
    );
    return null;
  }),

  // ---- Roles ----
  CreateRole: action(async (ctx) => {
    const p = ctx.params;
    const role = await ctx.backend.iam.createRole(account(ctx), {
      name: p.required("RoleName"),
      path: p.get("Path"),
      trustPolicy: p.required("AssumeRolePolicyDocument"),
      description: p.get("Description"),
      maxSessionDuration: p.integer("MaxSessionDuration", "maxSessionDuration"),
      tags: tags(ctx),
    });
    return [roleXml(role)];
  }),
  GetRole: action(async (ctx) => [
    roleXml(ctx.backend.iam.getRole(account(ctx), ctx.params.required("RoleName"))),
  ]),
  ListRoles: action(async (ctx) => {
    const { marker, maxItems } = paging(ctx);
    const all = ctx.backend.iam.listRoles(account(ctx), ctx.params.get("PathPrefix"));
    const { page, tail } = paginate(all, marker, maxItems);
    return [
      memberList(
        "Roles",
        page.map((r) => roleXml(r, "member").children),
      ),
      ...tail,
    ];
  }),
  DeleteRole: action(async (ctx) => {
    await ctx.backend.iam.deleteRole(account(ctx), ctx.params.required("RoleName"));
    return null;
  }),
  UpdateAssumeRolePolicy: action(async (ctx) => {
    await ctx.backend.iam.updateAssumeRolePolicy(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyDocument"),
    );
    return null;
  }),
  UpdateRole: action(async (ctx) => {
    await ctx.backend.iam.updateRole(account(ctx), ctx.params.required("RoleName"), {
      description: ctx.params.get("Description"),
      maxSessionDuration: ctx.params.integer("MaxSessionDuration", "maxSessionDuration"),
    });
    return [];
  }),
  AttachRolePolicy: action(async (ctx) => {
    await ctx.backend.iam.attachRolePolicy(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyArn"),
    );
    return null;
  }),
  DetachRolePolicy: action(async (ctx) => {
    await ctx.backend.iam.detachRolePolicy(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyArn"),
    );
    return null;
  }),
  ListAttachedRolePolicies: action(async (ctx) => {
    const { marker, maxItems } = paging(ctx);
    const all = ctx.backend.iam.listAttachedRolePolicies(
      account(ctx),
      ctx.params.required("RoleName"),
    );
    const { page, tail } = paginate(all, marker, maxItems);
    return [
      memberList(
        "AttachedPolicies",
        page.map((a) => [el("PolicyName", a.name), el("PolicyArn", a.arn)]),
      ),
      ...tail,
    ];
  }),
  PutRolePolicy: action(async (ctx) => {
    await ctx.backend.iam.putRolePolicy(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyName"),
      ctx.params.required("PolicyDocument"),
    );
    return null;
  }),
  GetRolePolicy: action(async (ctx) => {
    const r = ctx.backend.iam.getRolePolicy(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyName"),
    );
    return [
      el("RoleName", r.roleName),
      el("PolicyName", r.policyName),
      el("PolicyDocument", encodePolicy(r.document)),
    ];
  }),
  DeleteRolePolicy: action(async (ctx) => {
    await ctx.backend.iam.deleteRolePolicy(
      account(ctx),
      ctx.params.required("RoleName"),
      ctx.params.required("PolicyName"),
    );
    return null;
  }),
  ListRolePolicies: action(async (ctx) => {
    const { marker, maxItems } = paging(ctx);
    const all = ctx.backend.iam.listRolePolicies(account(ctx), ctx.params.required("RoleName"));
    const { page, tail } = paginate(all, marker, maxItems);
    return [
      memberList(
        "PolicyNames",
        page.map((p) => p.policyName),
      ),
      ...tail,
    ];
  }),

  // ---- Managed policies ----
  CreatePolicy: action(async (ctx) => {
    const p = ctx.params;
    const view = await ctx.backend.iam.createPolicy(account(ctx), {
      name: p.required("PolicyName"),
      path: p.get("Path"),
      document: p.required("PolicyDocument"),
      description: p.get("Description"),
      tags: tags(ctx),
    });
    return [policyXml(view)];
  }),
  GetPolicy: action(async (ctx) => [
    policyXml(ctx.backend.iam.getPolicy(account(ctx), ctx.params.required("PolicyArn"))),
  ]),
  DeletePolicy: action(async (ctx) => {
    await ctx.backend.iam.deletePolicy(account(ctx), ctx.params.required("PolicyArn"));
    return null;
  }),
  ListPolicies: action(async (ctx) => {
    const { marker, maxItems } = paging(ctx);
    const scope = ctx.params.get("Scope");
    const all = ctx.backend.iam.listPolicies(account(ctx), {
      scope: scope === "AWS" || scope === "Local" ? scope : "All",
      onlyAttached: ctx.params.boolean("OnlyAttached") ?? false,
      pathPrefix: ctx.params.get("PathPrefix"),
    });
    const { page, tail } = paginate(all, marker, maxItems);
    return [
      memberList(
        "Policies",
        page.map((v) => policyXml(v, "member").children),
      ),
      ...tail,
    ];
  }),
};
