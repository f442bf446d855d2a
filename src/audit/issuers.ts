/**
 * What the audit knows about each OIDC issuer, in one table: how to recognise its provider URL,
 * the documented format of its tokens' `sub` (docs/aws-behaviour.md, "OIDC issuers other than
 * Bitbucket"), and the subjects to put to the STS decision to find out whether a repository or
 * project outside the organisation could assume a role. To add an issuer, add an entry.
 *
 * Owners are read from the policy's `sub` values only to have inputs worth trying (a lookalike
 * owner, another repository of the same owner); whether access is allowed is always the engine's
 * answer.
 */

export interface IssuerKind {
  id: string;
  /** For people: `GitHub Actions`. */
  name: string;
  matches(url: string): boolean;
  /** The documented subject format, for messages and docs. */
  subjectFormat: string;
  /** `repository`, `project`, `workspace`. */
  unit: string;
  units: string;
  /** `owner`, `group`, `organization`. */
  ownerNoun: string;
  /**
   * Whether tokens of this issuer can come from owners outside yours: a multi-tenant platform
   * (github.com) yes; an issuer per organization (CircleCI) or per instance no.
   */
  multiTenant(url: string): boolean;
  /** The owner an issuer URL itself pins (CircleCI's `org/<id>`), if any. */
  ownerFromUrl?(url: string): string | undefined;
  /** Owners a `sub` condition value names. */
  ownersIn(value: string): string[];
  /** Subjects a job of `owner`'s `unit` could present: every event or phase a caller can pick. */
  subjects(owner: string, unit: string): string[];
  /** A `sub` condition that restricts to one unit, for fixes. */
  exampleSub(owner: string): string;
  /** Decided by who-can's matrix (Bitbucket) rather than by probing subjects. */
  decidedByWhoCan?: true;
}

function host(url: string): string {
  return url.split("/")[0]!.toLowerCase();
}

const OWNER_CHARS = /^[A-Za-z0-9_.-]+$/;

function owners(value: string, re: RegExp): string[] {
  const m = re.exec(value);
  return m?.[1] && OWNER_CHARS.test(m[1]) ? [m[1]] : [];
}

export const ISSUERS: readonly IssuerKind[] = [
  {
    id: "bitbucket",
    name: "Bitbucket Pipelines",
    matches: (url) =>
      /^api\.bitbucket\.org\/2\.0\/workspaces\/[^/]+\/pipelines-config\/identity\/oidc$/i.test(url),
    subjectFormat:
      "{repository-uuid}:{step-uuid} or {repository-uuid}:{environment-uuid}:{step-uuid}",
    unit: "repository",
    units: "repositories",
    ownerNoun: "workspace",
    // One issuer per workspace: a token of another workspace never matches this provider.
    multiTenant: () => false,
    ownersIn: () => [],
    subjects: () => [],
    exampleSub: () => "{REPOSITORY-UUID}:*",
    decidedByWhoCan: true,
  },
  {
    id: "github",
    name: "GitHub Actions",
    // github.com's issuer, an enterprise's own issuer path under it, and GitHub Enterprise
    // Server's https://HOSTNAME/_services/token.
    matches: (url) =>
      host(url) === "token.actions.githubusercontent.com" || /\/_services\/token$/i.test(url),
    subjectFormat:
      "repo:{owner}/{repository}:ref:refs/heads/{branch} | :ref:refs/tags/{tag} | :environment:{name} | :pull_request",
    unit: "repository",
    units: "repositories",
    ownerNoun: "owner",
    multiTenant: (url) => url.toLowerCase() === "token.actions.githubusercontent.com",
    ownersIn: (v) => owners(v, /^repo:([^/:*?]+)/i),
    subjects: (o, r) => [
      `repo:${o}/${r}:ref:refs/heads/main`,
      `repo:${o}/${r}:environment:production`,
      `repo:${o}/${r}:pull_request`,
      `repo:${o}/${r}:ref:refs/tags/v1.0.0`,
    ],
    exampleSub: (o) => `repo:${o}/<repository>:environment:<environment>`,
  },
  {
    id: "gitlab",
    name: "GitLab CI/CD",
    // gitlab.com, and self-managed instances on a gitlab.* host (same token format).
    matches: (url) => {
      const h = host(url);
      return h === "gitlab.com" || h.startsWith("gitlab.");
    },
    subjectFormat: "project_path:{group}/{project}:ref_type:{branch|tag}:ref:{name}",
    unit: "project",
    units: "projects",
    ownerNoun: "group",
    multiTenant: (url) => host(url) === "gitlab.com",
    ownersIn: (v) => owners(v, /^project_path:([^/:*?]+)/i),
    subjects: (g, p) => [
      `project_path:${g}/${p}:ref_type:branch:ref:main`,
      `project_path:${g}/${p}:ref_type:tag:ref:v1.0.0`,
    ],
    exampleSub: (g) => `project_path:${g}/<project>:ref_type:branch:ref:main`,
  },
  {
    id: "terraform-cloud",
    name: "HCP Terraform",
    matches: (url) => ["app.terraform.io", "app.eu.terraform.io"].includes(host(url)),
    subjectFormat:
      "organization:{organization}:project:{project}:workspace:{workspace}:run_phase:{plan|apply}",
    unit: "workspace",
    units: "workspaces",
    ownerNoun: "organization",
    multiTenant: () => true,
    ownersIn: (v) => owners(v, /^organization:([^:*?]+)/i),
    subjects: (o, w) => [
      `organization:${o}:project:Default Project:workspace:${w}:run_phase:apply`,
      `organization:${o}:project:Default Project:workspace:${w}:run_phase:plan`,
    ],
    exampleSub: (o) => `organization:${o}:project:<project>:workspace:<workspace>:run_phase:apply`,
  },
  {
    id: "circleci",
    name: "CircleCI",
    // One issuer per CircleCI organization: https://oidc.circleci.com/org/<organization-id>.
    matches: (url) => /^oidc\.circleci\.com\/org\/[^/]+$/i.test(url),
    subjectFormat: "org/{organization-id}/project/{project-id}/user/{user-id}",
    unit: "project",
    units: "projects",
    ownerNoun: "organization",
    multiTenant: () => false,
    ownerFromUrl: (url) => url.split("/")[2],
    ownersIn: (v) => owners(v, /^org\/([^/*?]+)/i),
    subjects: (o, p) => [`org/${o}/project/${p}/user/00000000-0000-4000-8000-000000000001`],
    exampleSub: (o) => `org/${o}/project/<project-id>/user/*`,
  },
];

/** Any other issuer: subjects are opaque, so the probe is one subject no policy names. */
export const OTHER_ISSUER: IssuerKind = {
  id: "other",
  name: "an OIDC issuer",
  matches: () => true,
  subjectFormat: "issuer-specific",
  unit: "subject",
  units: "subjects",
  ownerNoun: "issuer",
  multiTenant: () => false,
  ownersIn: () => [],
  subjects: (_o, s) => [s],
  exampleSub: () => "<the exact subject of your workload>",
};

export function issuerKind(url: string): IssuerKind {
  const bare = url.replace(/^https:\/\//i, "");
  return ISSUERS.find((k) => k.matches(bare)) ?? OTHER_ISSUER;
}
