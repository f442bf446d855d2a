/**
 * Loads and validates `bb-oidc.yaml`. Validation is written out by hand (no schema library): each
 * rule says what is expected in the user's terms, and every problem is reported with its
 * `file:line:column` and field path in one `ConfigError`.
 */
import ipaddr from "ipaddr.js";
import {
  defaultAudience,
  isBareUuid,
  isBracedUuid,
  issuerFor,
  MAX_AUDIENCE_LENGTH,
  MAX_CUSTOM_AUDIENCES,
  providerHostPath,
} from "../../bitbucket/index.js";
import { PolicyError } from "../../errors.js";
import { compilePolicy } from "../../policy/index.js";
import { IAM_NAME_CHARS_TEXT, iamNamePattern } from "../../shared/iam-names.js";
import { parseLocatedYaml } from "../reader/located-yaml.js";
import type { Path } from "../reader/source-locations.js";
import { grantsEverything, isAdministratorAccessArn } from "./admin.js";
import { Checker } from "./checker.js";
import { ConfigError, type ConfigProblem } from "./config-error.js";
import type {
  BbOidcConfig,
  PolicyDocumentJson,
  ProviderConfig,
  RoleConfig,
  SourceIps,
  WorkspaceConfig,
} from "./types.js";

export const ADMIN_OPT_IN_FIELD = "allowAdministratorAccess";
export const BITBUCKET_EGRESS = "bitbucket-egress";

const TOP_KEYS = ["workspace", "audiences", "provider", "roles"] as const;
const WORKSPACE_KEYS = ["slug", "uuid", "apiBase"] as const;
const PROVIDER_KEYS = ["create", "arn", "thumbprints"] as const;
const ROLE_KEYS = [
  "name",
  "description",
  "path",
  "accounts",
  "organizationalUnits",
  "repositories",
  "environments",
  "managedPolicyArns",
  "inlinePolicies",
  "permissionsBoundary",
  "maxSessionDuration",
  "sourceIps",
  ADMIN_OPT_IN_FIELD,
  "tags",
] as const;

// IAM's own patterns and limits (IAM API reference).
const ROLE_NAME = iamNamePattern(1, 64);
const POLICY_NAME = iamNamePattern(1, 128);
const IAM_PATH = /^(\/|\/[\x21-\x7e]{1,510}\/)$/;
const ACCOUNT = /^\d{12}$/;
const OU = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::(aws|\d{12}):policy\/[\x21-\x7e]+$/;
const THUMBPRINT = /^[0-9a-fA-F]{40}$/;
const DESCRIPTION = /^[\t\n\r\x20-\x7e\xa1-\xff]{0,1000}$/;
const SLUG = /^[A-Za-z0-9._-]+$/;
const PROVIDER_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider\/(.+)$/;
/** IAM allows 20 managed policies per role at most (10 by default). */
const MAX_MANAGED_POLICIES = 20;
/** 50 tags per role; bb-oidc adds its own two. */
const MAX_USER_TAGS = 48;

export function loadConfig(text: string, sourceName: string): BbOidcConfig {
  const doc = parseLocatedYaml(text, sourceName);
  const check = new Checker(doc.locations);
  for (const p of doc.problems)
    check.report(p.path, p.message, p.position ? { position: p.position } : {});
  if (doc.problems.length > 0) throw new ConfigError(sourceName, check.problems);
  if (doc.value === null || doc.value === undefined) {
    check.report([], "the file is empty; it needs at least workspace, provider and roles");
    throw new ConfigError(sourceName, check.problems);
  }
  const config = validate(doc.value, check);
  if (check.problems.length > 0 || !config)
    throw new ConfigError(sourceName, inFileOrder(check.problems));
  return config;
}

/** Top to bottom, as an editor shows them (the sort is stable for problems at the same place). */
function inFileOrder(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

function validate(value: unknown, check: Checker): BbOidcConfig | undefined {
  const root = check.mapping(value, [], "the bb-oidc configuration");
  if (!root) return undefined;
  check.onlyKeys(root, [], TOP_KEYS);
  for (const key of ["workspace", "provider", "roles"] as const) {
    if (root[key] === undefined) check.report([key], `${key} is required`, { at: "key" });
  }
  const workspace =
    root.workspace === undefined ? undefined : validateWorkspace(root.workspace, check);
  const issuer = workspace ? safeIssuer(workspace) : undefined;
  const audiences =
    root.audiences === undefined
      ? workspace && [defaultAudience(workspace.uuid)]
      : check.listOf(
          root.audiences,
          ["audiences"],
          "audiences",
          (a, path) => {
            const s = check.string(a, path, "an audience string");
            if (s === undefined) return undefined;
            if (s.length < 1 || s.length > MAX_AUDIENCE_LENGTH) {
              return check.report(
                path,
                `an audience must be 1 to ${MAX_AUDIENCE_LENGTH} characters (Bitbucket's limit), this one has ${s.length}`,
              );
            }
            return s;
          },
          { min: 1, max: MAX_CUSTOM_AUDIENCES },
        );
  const provider =
    root.provider === undefined ? undefined : validateProvider(root.provider, check, issuer);
  const roles = root.roles === undefined ? undefined : validateRoles(root.roles, check);
  if (!workspace || !audiences || !provider || !roles) return undefined;
  return { workspace, audiences, provider, roles };
}

function safeIssuer(workspace: WorkspaceConfig): string | undefined {
  try {
    return issuerFor(workspace.slug, workspace.apiBase);
  } catch {
    return undefined;
  }
}

function bracedUuid(check: Checker, value: unknown, path: Path, what: string): string | undefined {
  const s = check.string(value, path, `a ${what} UUID in braces`);
  if (s === undefined) return undefined;
  if (isBracedUuid(s)) return s;
  if (isBareUuid(s)) {
    return check.report(
      path,
      `${what} UUID ${s} needs braces: write "{${s}}" (Bitbucket writes UUIDs with braces in tokens, and a condition without them never matches)`,
      { expected: `"{${s}}"` },
    );
  }
  return check.report(
    path,
    `${JSON.stringify(s)} is not a ${what} UUID; expected e.g. "{1de489be-7d0a-4b7e-9c43-0f6b1b2c3d4e}"`,
    {
      expected: "{uuid}",
    },
  );
}

function validateWorkspace(value: unknown, check: Checker): WorkspaceConfig | undefined {
  const path = ["workspace"];
  const ws = check.mapping(value, path, "the workspace: { slug, uuid }");
  if (!ws) return undefined;
  check.onlyKeys(ws, path, WORKSPACE_KEYS);
  if (ws.slug === undefined)
    check.report(
      [...path, "slug"],
      "workspace.slug is required (the workspace ID in Bitbucket URLs)",
    );
  if (ws.uuid === undefined)
    check.report(
      [...path, "uuid"],
      "workspace.uuid is required (Workspace settings → OpenID Connect shows it)",
    );
  let slug: string | undefined;
  if (ws.slug !== undefined) {
    const s = check.string(ws.slug, [...path, "slug"], "the workspace slug");
    if (s !== undefined && (isBareUuid(s) || isBracedUuid(s))) {
      check.report(
        [...path, "slug"],
        "this is a UUID; slug is the workspace ID from its URL (the UUID goes in workspace.uuid)",
      );
    } else if (s !== undefined && !SLUG.test(s)) {
      check.report(
        [...path, "slug"],
        `${JSON.stringify(s)} is not a workspace slug (letters, digits, ".", "_", "-")`,
      );
    } else slug = s;
  }
  const uuid =
    ws.uuid === undefined ? undefined : bracedUuid(check, ws.uuid, [...path, "uuid"], "workspace");
  let apiBase: string | undefined;
  if (ws.apiBase !== undefined) {
    const s = check.string(ws.apiBase, [...path, "apiBase"], "an https:// origin");
    if (s !== undefined) {
      try {
        issuerFor("x", s);
        apiBase = s;
      } catch (err) {
        check.report([...path, "apiBase"], (err as Error).message);
      }
    }
  }
  if (
    slug === undefined ||
    uuid === undefined ||
    (ws.apiBase !== undefined && apiBase === undefined)
  )
    return undefined;
  return { slug, uuid, ...(apiBase === undefined ? {} : { apiBase }) };
}

function validateProvider(
  value: unknown,
  check: Checker,
  issuer: string | undefined,
): ProviderConfig | undefined {
  const path = ["provider"];
  const p = check.mapping(value, path, "provider: { create: true } or { arn: … }");
  if (!p) return undefined;
  check.onlyKeys(p, path, PROVIDER_KEYS);
  const create = p.create === undefined ? undefined : check.boolean(p.create, [...path, "create"]);
  const arn =
    p.arn === undefined
      ? undefined
      : check.matching(
          p.arn,
          [...path, "arn"],
          PROVIDER_ARN,
          "an OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<host/path>)",
        );
  if (arn !== undefined && issuer !== undefined) {
    const hostPath = PROVIDER_ARN.exec(arn)![2];
    if (hostPath !== providerHostPath(issuer)) {
      check.report(
        [...path, "arn"],
        `this provider is for ${hostPath}, but the workspace's issuer is ${providerHostPath(issuer)}`,
        {
          expected: providerHostPath(issuer),
        },
      );
    }
  }
  const thumbprints =
    p.thumbprints === undefined
      ? undefined
      : check.listOf(
          p.thumbprints,
          [...path, "thumbprints"],
          "thumbprints",
          (t, tp) =>
            check.matching(
              t,
              tp,
              THUMBPRINT,
              "a thumbprint (40 hex characters, the SHA-1 of the CA certificate)",
            ),
          { max: 5 },
        );
  if (p.create === undefined && p.arn === undefined) {
    return check.report(
      path,
      "say whether to create the OIDC provider: { create: true }, or use an existing one: { arn: … } or { create: false }",
    );
  }
  if (create === true && p.arn !== undefined) {
    return check.report(
      [...path, "arn"],
      "create: true and arn contradict each other: an account holds one provider per issuer URL; drop one",
    );
  }
  if (p.thumbprints !== undefined && create !== true) {
    return check.report(
      [...path, "thumbprints"],
      "thumbprints only apply when the template creates the provider (create: true)",
    );
  }
  if (create === true) {
    if (p.thumbprints !== undefined && thumbprints === undefined) return undefined;
    return thumbprints && thumbprints.length > 0 ? { create: true, thumbprints } : { create: true };
  }
  if (p.arn !== undefined && arn === undefined) return undefined;
  if (create === undefined && p.create !== undefined) return undefined;
  return arn === undefined ? { create: false } : { create: false, arn };
}

function validateRoles(value: unknown, check: Checker): RoleConfig[] | undefined {
  const items = check.list(value, ["roles"], "roles", 1);
  if (!items) return undefined;
  const byName = new Map<string, number>();
  const roles: RoleConfig[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const role = validateRole(item, ["roles", i], check);
    if (!role) {
      ok = false;
      return;
    }
    // IAM role names are unique case-insensitively within an account.
    const key = role.name.toLowerCase();
    const first = byName.get(key);
    if (first !== undefined) {
      ok = false;
      check.report(
        ["roles", i, "name"],
        `duplicate role name ${JSON.stringify(role.name)} (also roles[${first}]); IAM role names are unique per account, ignoring case`,
      );
      return;
    }
    byName.set(key, i);
    roles.push(role);
  });
  return ok ? roles : undefined;
}

function validateRole(value: unknown, path: Path, check: Checker): RoleConfig | undefined {
  const r = check.mapping(value, path, "a role");
  if (!r) return undefined;
  const before = check.problems.length;
  check.onlyKeys(r, path, ROLE_KEYS);
  const at = (key: string): Path => [...path, key];

  const name =
    r.name === undefined
      ? check.report(at("name"), "name is required (the IAM role name)", { at: "key" })
      : check.matching(
          r.name,
          at("name"),
          ROLE_NAME,
          `an IAM role name (1–64 of ${IAM_NAME_CHARS_TEXT})`,
        );
  const description =
    r.description === undefined
      ? undefined
      : check.matching(
          r.description,
          at("description"),
          DESCRIPTION,
          "a description (≤ 1000 printable characters)",
        );
  const iamPath =
    r.path === undefined
      ? undefined
      : check.matching(r.path, at("path"), IAM_PATH, "an IAM path such as / or /deploy/");

  let accounts: string[] | undefined;
  let organizationalUnits: string[] | undefined;
  if (r.accounts !== undefined && r.organizationalUnits !== undefined) {
    check.report(at("organizationalUnits"), "give accounts or organizationalUnits, not both");
  } else if (r.accounts === undefined && r.organizationalUnits === undefined) {
    check.report(
      path,
      'say where the role goes: accounts: ["111111111111"] or organizationalUnits: [ou-…]',
    );
  }
  if (r.accounts !== undefined) {
    accounts = check.listOf(
      r.accounts,
      at("accounts"),
      "AWS account IDs",
      (a, p) => check.matching(a, p, ACCOUNT, "a 12-digit AWS account ID"),
      { min: 1 },
    );
  }
  if (r.organizationalUnits !== undefined) {
    organizationalUnits = check.listOf(
      r.organizationalUnits,
      at("organizationalUnits"),
      "organizational unit IDs",
      (o, p) => check.matching(o, p, OU, "an organizational unit ID (ou-xxxx-xxxxxxxx)"),
      { min: 1 },
    );
  }

  const repositories =
    r.repositories === undefined
      ? check.report(
          at("repositories"),
          "repositories is required: the repository UUIDs (with braces) whose pipelines may assume this role",
          { at: "key" },
        )
      : check.listOf(
          r.repositories,
          at("repositories"),
          "repository UUIDs",
          (u, p) => bracedUuid(check, u, p, "repository"),
          { min: 1 },
        );
  const environments =
    r.environments === undefined
      ? undefined
      : check.listOf(
          r.environments,
          at("environments"),
          "deployment environment UUIDs",
          (u, p) => bracedUuid(check, u, p, "environment"),
          { min: 1 },
        );

  const allowAdmin =
    r[ADMIN_OPT_IN_FIELD] === undefined
      ? false
      : check.boolean(r[ADMIN_OPT_IN_FIELD], at(ADMIN_OPT_IN_FIELD));
  const managedPolicyArns =
    r.managedPolicyArns === undefined
      ? []
      : check.listOf(
          r.managedPolicyArns,
          at("managedPolicyArns"),
          "managed policy ARNs",
          (a, p) => {
            const arn = check.matching(
              a,
              p,
              POLICY_ARN,
              "a managed policy ARN (arn:aws:iam::aws:policy/… or arn:aws:iam::<account>:policy/…)",
            );
            if (arn !== undefined && isAdministratorAccessArn(arn) && allowAdmin === false) {
              return check.report(
                p,
                `AdministratorAccess grants full control of the account; attach narrower policies, or opt in with ${ADMIN_OPT_IN_FIELD}: true on this role`,
              );
            }
            return arn;
          },
          { max: MAX_MANAGED_POLICIES },
        );
  const inlinePolicies =
    r.inlinePolicies === undefined
      ? {}
      : validateInline(r.inlinePolicies, at("inlinePolicies"), check, allowAdmin === true);
  const permissionsBoundary =
    r.permissionsBoundary === undefined
      ? undefined
      : check.matching(
          r.permissionsBoundary,
          at("permissionsBoundary"),
          POLICY_ARN,
          "a managed policy ARN",
        );
  const maxSessionDuration =
    r.maxSessionDuration === undefined
      ? undefined
      : check.integer(r.maxSessionDuration, at("maxSessionDuration"), 3600, 43200);
  const sourceIps =
    r.sourceIps === undefined ? undefined : validateSourceIps(r.sourceIps, at("sourceIps"), check);
  const tags = r.tags === undefined ? {} : validateTags(r.tags, at("tags"), check);

  if (check.problems.length > before) return undefined;
  return {
    name: name!,
    ...(description === undefined ? {} : { description }),
    ...(iamPath === undefined ? {} : { path: iamPath }),
    ...(accounts === undefined ? {} : { accounts }),
    ...(organizationalUnits === undefined ? {} : { organizationalUnits }),
    repositories: repositories!,
    ...(environments === undefined ? {} : { environments }),
    managedPolicyArns: managedPolicyArns!,
    inlinePolicies: inlinePolicies!,
    ...(permissionsBoundary === undefined ? {} : { permissionsBoundary }),
    ...(maxSessionDuration === undefined ? {} : { maxSessionDuration }),
    ...(sourceIps === undefined ? {} : { sourceIps }),
    allowAdministratorAccess: allowAdmin === true,
    tags: tags!,
  };
}

function validateInline(
  value: unknown,
  path: Path,
  check: Checker,
  allowAdmin: boolean,
): Record<string, PolicyDocumentJson> | undefined {
  const m = check.mapping(value, path, "inline policies: { <name>: <policy document> }");
  if (!m) return undefined;
  const out: Record<string, PolicyDocumentJson> = {};
  for (const [name, doc] of Object.entries(m)) {
    const p = [...path, name];
    if (!POLICY_NAME.test(name)) {
      check.report(
        p,
        `${JSON.stringify(name)} is not a policy name (1–128 of ${IAM_NAME_CHARS_TEXT})`,
        { at: "key" },
      );
      continue;
    }
    const d = check.mapping(
      doc,
      p,
      'a policy document: { Version: "2012-10-17", Statement: [...] }',
    );
    if (!d) continue;
    if (d.Version !== undefined && d.Version !== "2012-10-17" && d.Version !== "2008-10-17") {
      check.report(
        [...p, "Version"],
        `Version must be "2012-10-17" (quote it: YAML would read a bare date as a date)`,
      );
    }
    if (
      d.Statement === undefined ||
      (typeof d.Statement !== "object" && !Array.isArray(d.Statement))
    ) {
      check.report(p, "a policy document needs a Statement (a list of statements)");
      continue;
    }
    try {
      compilePolicy(d, { kind: "identity" });
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      check.report(p, `IAM would refuse this policy: ${err.message}`);
      continue;
    }
    if (grantsEverything(d) && !allowAdmin) {
      check.report(
        p,
        `this policy allows every action on every resource, i.e. full administrator access; narrow it, or opt in with ${ADMIN_OPT_IN_FIELD}: true on this role`,
      );
      continue;
    }
    out[name] = d;
  }
  return out;
}

function validateSourceIps(value: unknown, path: Path, check: Checker): SourceIps | undefined {
  if (value === BITBUCKET_EGRESS) return BITBUCKET_EGRESS;
  if (typeof value === "string") {
    return check.report(
      path,
      `expected "${BITBUCKET_EGRESS}" or a list of CIDR blocks, got ${JSON.stringify(value)}`,
      {
        expected: `${BITBUCKET_EGRESS} | [cidr, …]`,
      },
    );
  }
  return check.listOf(
    value,
    path,
    "CIDR blocks",
    (c, p) => {
      const s = check.string(c, p, "a CIDR block such as 203.0.113.0/24");
      if (s === undefined) return undefined;
      if (ipaddr.isValidCIDR(s) || ipaddr.isValid(s)) return s;
      return check.report(p, `${JSON.stringify(s)} is not an IP address or CIDR block`, {
        expected: "CIDR",
      });
    },
    { min: 1 },
  );
}

function validateTags(
  value: unknown,
  path: Path,
  check: Checker,
): Record<string, string> | undefined {
  const m = check.mapping(value, path, "tags: { key: value }");
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const entries = Object.entries(m);
  if (entries.length > MAX_USER_TAGS) return check.report(path, `at most ${MAX_USER_TAGS} tags`);
  for (const [key, v] of entries) {
    const p = [...path, key];
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith("aws:")) {
      check.report(p, "tag keys are 1–128 characters and may not start with aws:", { at: "key" });
      continue;
    }
    const s = check.string(v, p, "a tag value");
    if (s === undefined) continue;
    if (s.length > 256) {
      check.report(p, "tag values are at most 256 characters");
      continue;
    }
    out[key] = s;
  }
  return out;
}
