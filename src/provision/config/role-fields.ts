/** The `roles[]` section of `bb-oidc.yaml`: one IAM role, its targets, trust and permissions. */

import { IAM_NAME_CHARS_TEXT } from "../../shared/iam-names.js";
import type { Path } from "../reader/source-locations.js";
import { grantsEverything, isAdministratorAccessArn } from "./admin.js";
import type { Checker } from "./checker.js";
import { boolean, custom, integer, listOf, matching } from "./kinds.js";
import { type Field, type Section, section } from "./sections.js";
import type { PolicyDocumentJson, RoleConfig } from "./types.js";
import {
  ACCOUNT,
  ADMIN_OPT_IN_FIELD,
  BITBUCKET_EGRESS,
  bracedUuid,
  DESCRIPTION,
  IAM_PATH,
  inlinePolicies,
  MAX_MANAGED_POLICIES,
  OU,
  POLICY_ARN,
  policyArn,
  ROLE_NAME,
  sourceIps,
  tags,
} from "./value-kinds.js";

const ROLE_FIELDS: readonly Field[] = [
  {
    name: "name",
    kind: matching(ROLE_NAME, `an IAM role name (1–64 of ${IAM_NAME_CHARS_TEXT})`, "IAM role name"),
    description: "The IAM role name. Unique in the file, ignoring case (as IAM compares names).",
    required: "name is required (the IAM role name)",
  },
  {
    name: "description",
    kind: matching(DESCRIPTION, "a description (≤ 1000 printable characters)", "string"),
    description: "The role's description in IAM.",
    default: "a sentence naming the workspace",
  },
  {
    name: "path",
    kind: matching(IAM_PATH, "an IAM path such as / or /deploy/", "IAM path"),
    description: "The role's IAM path.",
    default: "/",
  },
  {
    name: "accounts",
    kind: listOf(matching(ACCOUNT, "a 12-digit AWS account ID", "account ID"), "AWS account IDs", {
      min: 1,
    }),
    description:
      "The AWS accounts the role is created in (quoted: YAML reads 12 digits as a number). `deploy` creates it there and nowhere else.",
  },
  {
    name: "organizationalUnits",
    kind: listOf(
      matching(OU, "an organizational unit ID (ou-xxxx-xxxxxxxx)", "OU ID"),
      "organizational unit IDs",
      { min: 1 },
    ),
    description:
      "AWS Organizations OUs: the role is created in every account of these OUs, through a service-managed StackSet.",
  },
  {
    name: "repositories",
    kind: listOf(bracedUuid("repository"), "repository UUIDs", { min: 1 }),
    description:
      "Repository UUIDs (with braces) whose pipelines may assume the role, from Repository settings → OpenID Connect.",
    required:
      "repositories is required: the repository UUIDs (with braces) whose pipelines may assume this role",
  },
  {
    name: "environments",
    kind: listOf(bracedUuid("environment"), "deployment environment UUIDs", { min: 1 }),
    description:
      "Deployment environment UUIDs (with braces). When set, only deployment steps of these environments qualify.",
  },
  {
    name: "managedPolicyArns",
    kind: listOf(policyArn, "managed policy ARNs", { max: MAX_MANAGED_POLICIES }),
    description: `Managed policies attached to the role (IAM allows ${MAX_MANAGED_POLICIES} at most). AdministratorAccess needs \`${ADMIN_OPT_IN_FIELD}: true\`.`,
    default: "none",
  },
  {
    name: "inlinePolicies",
    kind: inlinePolicies,
    description: `Inline policies of the role, by name. A policy that allows every action on every resource needs \`${ADMIN_OPT_IN_FIELD}: true\`.`,
    default: "none",
  },
  {
    name: "permissionsBoundary",
    kind: matching(POLICY_ARN, "a managed policy ARN", "managed policy ARN"),
    description: "A managed policy that bounds the role's permissions.",
  },
  {
    name: "maxSessionDuration",
    kind: integer(3600, 43200),
    description: "The longest session, in seconds, a pipeline may ask for.",
    default: "3600",
  },
  {
    name: "sourceIps",
    kind: sourceIps,
    description: `Allow only calls from these addresses (aws:SourceIp). \`${BITBUCKET_EGRESS}\` uses Atlassian's published Pipelines egress ranges (pass --ip-ranges).`,
  },
  {
    name: ADMIN_OPT_IN_FIELD,
    kind: boolean(),
    description:
      "The explicit opt-in to full administrator access (AdministratorAccess, or an inline Allow of * on *).",
    default: "false",
  },
  {
    name: "tags",
    kind: tags,
    description:
      "Tags of the role. bb-oidc adds `managed-by` and `bb-oidc:workspace` (IAM allows 50 in all).",
    default: "none",
  },
];

export const ROLE: Section<RoleConfig> = section({
  title: "roles[]",
  where: "roles[]",
  what: "a role",
  description:
    "One IAM role: who may assume it (repositories, environments), where it exists, what it may do.",
  fields: ROLE_FIELDS,
  rules: [
    "Give `accounts` or `organizationalUnits`, not both.",
    `AdministratorAccess (managed, or an inline Allow of * on *) needs \`${ADMIN_OPT_IN_FIELD}: true\`.`,
  ],
  schema: {
    oneOf: [{ required: ["accounts"] }, { required: ["organizationalUnits"] }],
  },
  build(c, { raw: r, values: v, path, at, problemsBefore }) {
    if (r.accounts !== undefined && r.organizationalUnits !== undefined) {
      c.report(at("organizationalUnits"), "give accounts or organizationalUnits, not both");
    } else if (r.accounts === undefined && r.organizationalUnits === undefined) {
      c.report(
        path,
        'say where the role goes: accounts: ["111111111111"] or organizationalUnits: [ou-…]',
      );
    }
    const allowAdmin = v[ADMIN_OPT_IN_FIELD] === true;
    // Refused only when the opt-in is absent or false (a malformed one is its own problem).
    const optedOut = r[ADMIN_OPT_IN_FIELD] === undefined || v[ADMIN_OPT_IN_FIELD] === false;
    (v.managedPolicyArns as string[] | undefined)?.forEach((arn, i) => {
      if (isAdministratorAccessArn(arn) && optedOut) {
        c.report(
          [...at("managedPolicyArns"), i],
          `AdministratorAccess grants full control of the account; attach narrower policies, or opt in with ${ADMIN_OPT_IN_FIELD}: true on this role`,
        );
      }
    });
    for (const [name, doc] of Object.entries(
      (v.inlinePolicies ?? {}) as Record<string, PolicyDocumentJson>,
    )) {
      if (grantsEverything(doc) && !allowAdmin) {
        c.report(
          [...at("inlinePolicies"), name],
          `this policy allows every action on every resource, i.e. full administrator access; narrow it, or opt in with ${ADMIN_OPT_IN_FIELD}: true on this role`,
        );
      }
    }
    if (c.problems.length > problemsBefore) return undefined;
    const opt = <K extends keyof RoleConfig>(k: K) =>
      v[k] === undefined ? {} : ({ [k]: v[k] } as Pick<RoleConfig, K>);
    return {
      name: v.name as string,
      ...opt("description"),
      ...opt("path"),
      ...opt("accounts"),
      ...opt("organizationalUnits"),
      repositories: v.repositories as string[],
      ...opt("environments"),
      managedPolicyArns: (v.managedPolicyArns as string[] | undefined) ?? [],
      inlinePolicies: (v.inlinePolicies as Record<string, PolicyDocumentJson> | undefined) ?? {},
      ...opt("permissionsBoundary"),
      ...opt("maxSessionDuration"),
      ...opt("sourceIps"),
      allowAdministratorAccess: allowAdmin,
      tags: (v.tags as Record<string, string> | undefined) ?? {},
    };
  },
});

export const ROLES = custom<RoleConfig[]>(
  "list of roles (at least 1)",
  { type: "array", items: ROLE.schema, minItems: 1 },
  (c, value, path) => checkRoles(c, value, path),
);

function checkRoles(c: Checker, value: unknown, path: Path): RoleConfig[] | undefined {
  const items = c.list(value, path, "roles", 1);
  if (!items) return undefined;
  const byName = new Map<string, number>();
  const out: RoleConfig[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const role = ROLE.check(c, item, [...path, i]);
    if (!role) {
      ok = false;
      return;
    }
    // IAM role names are unique case-insensitively within an account.
    const key = role.name.toLowerCase();
    const first = byName.get(key);
    if (first !== undefined) {
      ok = false;
      c.report(
        [...path, i, "name"],
        `duplicate role name ${JSON.stringify(role.name)} (also roles[${first}]); IAM role names are unique per account, ignoring case`,
      );
      return;
    }
    byName.set(key, i);
    out.push(role);
  });
  return ok ? out : undefined;
}
