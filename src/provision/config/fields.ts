/**
 * The field table of `bb-oidc.yaml`: every field, its kind, its description, and the rules
 * between fields (this file: the file itself, `workspace` and `provider`; role-fields.ts:
 * `roles[]`). The loader validates with it; the JSON Schema and the reference page
 * (docs/config-reference.md) are generated from it (reference.ts).
 */
import {
  defaultAudience,
  issuerFor,
  MAX_CUSTOM_AUDIENCES,
  providerHostPath,
} from "../../bitbucket/index.js";
import { PROVIDER_ARN, parseProviderArn } from "../../shared/iam-names.js";
import { boolean, listOf, matching } from "./kinds.js";
import { ROLE, ROLES } from "./role-fields.js";
import { type Section, section } from "./sections.js";
import type { BbOidcConfig, ProviderConfig, RoleConfig, WorkspaceConfig } from "./types.js";
import { apiBase, audience, bracedUuid, MAX_THUMBPRINTS, slug, THUMBPRINT } from "./value-kinds.js";

export { ADMIN_OPT_IN_FIELD, BITBUCKET_EGRESS } from "./value-kinds.js";

export const WORKSPACE: Section<WorkspaceConfig> = section({
  title: "workspace",
  where: "workspace",
  what: "the workspace: { slug, uuid }",
  description: "The Bitbucket workspace whose Pipelines assume the roles.",
  fields: [
    {
      name: "slug",
      kind: slug,
      description: "The workspace ID as it appears in Bitbucket URLs (bitbucket.org/<slug>/…).",
      required: "workspace.slug is required (the workspace ID in Bitbucket URLs)",
    },
    {
      name: "uuid",
      kind: bracedUuid("workspace"),
      description:
        "The workspace UUID with braces, from Workspace settings → OpenID Connect. It makes the default audience.",
      required: "workspace.uuid is required (Workspace settings → OpenID Connect shows it)",
    },
    {
      name: "apiBase",
      kind: apiBase,
      description:
        "Bitbucket's API origin; the issuer URL is built from it. Only the emulator and tests change it.",
      default: "https://api.bitbucket.org",
    },
  ],
  build(_c, { raw, values }) {
    const { slug: s, uuid, apiBase: base } = values as Partial<Record<string, string>>;
    if (s === undefined || uuid === undefined || (raw.apiBase !== undefined && !base))
      return undefined;
    return { slug: s, uuid, ...(base === undefined ? {} : { apiBase: base }) };
  },
});

/** The provider's rules need the workspace's issuer; the file section passes it in. */
function providerSection(issuer: () => string | undefined): Section<ProviderConfig> {
  return section({
    title: "provider",
    where: "provider",
    what: "provider: { create: true } or { arn: … }",
    description:
      "The workspace's IAM OIDC provider: created by the template, or one that already exists in every target account.",
    fields: [
      {
        name: "create",
        kind: boolean(),
        description:
          "true: the template creates the provider in each account that gets a role (one per issuer URL per account). false: it already exists there.",
      },
      {
        name: "arn",
        kind: matching(
          PROVIDER_ARN,
          "an OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<host/path>)",
          "OIDC provider ARN",
        ),
        description:
          "An existing provider, checked against the workspace's issuer. The template still builds the ARN per target account.",
      },
      {
        name: "thumbprints",
        kind: listOf(
          matching(
            THUMBPRINT,
            "a thumbprint (40 hex characters, the SHA-1 of the CA certificate)",
            "thumbprint",
          ),
          "thumbprints",
          { max: MAX_THUMBPRINTS },
        ),
        description:
          "Certificate thumbprints for the created provider. Omitted: IAM takes them itself.",
      },
    ],
    rules: [
      "Give `create` or `arn`.",
      "`create: true` and `arn` exclude each other (an account holds one provider per issuer URL).",
      "`thumbprints` only with `create: true`.",
      "`arn` must be the provider of the workspace's issuer.",
    ],
    schema: {
      anyOf: [{ required: ["create"] }, { required: ["arn"] }],
    },
    build(c, { raw, values, path, at }) {
      const create = values.create as boolean | undefined;
      const arn = values.arn as string | undefined;
      const thumbprints = values.thumbprints as string[] | undefined;
      const iss = issuer();
      if (arn !== undefined && iss !== undefined) {
        const hostPath = parseProviderArn(arn)!.url;
        if (hostPath !== providerHostPath(iss)) {
          c.report(
            at("arn"),
            `this provider is for ${hostPath}, but the workspace's issuer is ${providerHostPath(iss)}`,
            { expected: providerHostPath(iss) },
          );
        }
      }
      if (raw.create === undefined && raw.arn === undefined) {
        return c.report(
          path,
          "say whether to create the OIDC provider: { create: true }, or use an existing one: { arn: … } or { create: false }",
        );
      }
      if (create === true && raw.arn !== undefined) {
        return c.report(
          at("arn"),
          "create: true and arn contradict each other: an account holds one provider per issuer URL; drop one",
        );
      }
      if (raw.thumbprints !== undefined && create !== true) {
        return c.report(
          at("thumbprints"),
          "thumbprints only apply when the template creates the provider (create: true)",
        );
      }
      if (create === true) {
        if (raw.thumbprints !== undefined && thumbprints === undefined) return undefined;
        return thumbprints && thumbprints.length > 0
          ? { create: true, thumbprints }
          : { create: true };
      }
      if (raw.arn !== undefined && arn === undefined) return undefined;
      if (create === undefined && raw.create !== undefined) return undefined;
      return arn === undefined ? { create: false } : { create: false, arn };
    },
  });
}

/** The whole file. */
export function configSection(): Section<BbOidcConfig> {
  let workspace: WorkspaceConfig | undefined;
  const issuer = () => (workspace ? safeIssuer(workspace) : undefined);
  const workspaceKind: Section<WorkspaceConfig> = {
    ...WORKSPACE,
    check: (c, value, path) => {
      workspace = WORKSPACE.check(c, value, path);
      return workspace;
    },
  };
  return section({
    title: "bb-oidc.yaml",
    where: "(top level)",
    what: "the bb-oidc configuration",
    description:
      "bb-oidc.yaml: the Bitbucket workspace, its OIDC provider, and the roles its pipelines may assume in which AWS accounts.",
    fields: [
      {
        name: "workspace",
        kind: workspaceKind,
        description: WORKSPACE.description,
        required: "workspace is required",
      },
      {
        name: "audiences",
        kind: listOf(audience, "audiences", { min: 1, max: MAX_CUSTOM_AUDIENCES }),
        description:
          "The audiences (client IDs) the provider accepts and the trust policies require. Set them when the workspace uses custom audiences.",
        default: "the workspace's default audience, ari:cloud:bitbucket::workspace/<uuid>",
      },
      {
        name: "provider",
        kind: providerSection(issuer),
        description:
          "The workspace's IAM OIDC provider: `{ create: true }`, or `{ create: false }` / `{ arn: … }` when it exists.",
        required: "provider is required",
      },
      {
        name: "roles",
        kind: ROLES,
        description: "The roles, each with the accounts (or OUs) it exists in.",
        required: "roles is required",
      },
    ],
    build(_c, { values }) {
      const ws = values.workspace as WorkspaceConfig | undefined;
      const audiences =
        (values.audiences as string[] | undefined) ?? (ws && [defaultAudience(ws.uuid)]);
      const provider = values.provider as ProviderConfig | undefined;
      const rs = values.roles as RoleConfig[] | undefined;
      if (!ws || !audiences || !provider || !rs) return undefined;
      return { workspace: ws, audiences, provider, roles: rs };
    },
  });
}

/** Every section, in the order the reference page shows them. */
export function allSections(): Section<unknown>[] {
  const file = configSection();
  const provider = file.fields.find((f) => f.name === "provider")!.kind as Section<unknown>;
  return [file, WORKSPACE, provider, ROLE] as Section<unknown>[];
}

function safeIssuer(workspace: WorkspaceConfig): string | undefined {
  try {
    return issuerFor(workspace.slug, workspace.apiBase);
  } catch {
    return undefined;
  }
}
