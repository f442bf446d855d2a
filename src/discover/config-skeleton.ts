import { IAM_NAME_CHARS_TEXT } from "../shared/iam-names.js";
import type { DiscoveryReport } from "./types.js";

/**
 * The values a person must supply before the skeleton loads. Each appears in the skeleton inside
 * a quoted string, marked `# PLACEHOLDER` on its line; until replaced, `loadConfig` refuses the
 * file (role name, account and repository UUID fail their checks), so nothing half-filled
 * reaches `bb-oidc template`.
 */
export const CONFIG_PLACEHOLDERS = {
  "<ROLE_NAME>": `the IAM role name (1–64 of ${IAM_NAME_CHARS_TEXT}), e.g. deploy-web-prod`,
  "<AWS_ACCOUNT_ID>": "the 12-digit AWS account the role is created in",
  "<REPOSITORY_UUID>":
    "the repository UUID with braces, {…} (Repository settings → OpenID Connect shows it)",
  "<S3_BUCKET>": "an example resource: replace the whole policy with what the pipeline deploys",
} as const;

export type ConfigPlaceholder = keyof typeof CONFIG_PLACEHOLDERS;

/** Replaces every placeholder in a skeleton with the given value (all must be given). */
export function fillPlaceholders(
  skeleton: string,
  values: Record<ConfigPlaceholder, string>,
): string {
  let out = skeleton;
  for (const key of Object.keys(CONFIG_PLACEHOLDERS) as ConfigPlaceholder[]) {
    out = out.split(key).join(values[key]);
  }
  return out;
}

/** A YAML double-quoted scalar (JSON strings are valid YAML). */
const q = (s: string): string => JSON.stringify(s);

/**
 * A `bb-oidc.yaml` skeleton for `bb-oidc template`: the workspace, its default audience, a
 * provider with the discovered thumbprints and one example role whose placeholders are marked.
 */
export function renderConfigSkeleton(report: DiscoveryReport): string {
  const slug = report.workspace.slug;
  const hosts = report.tls.map((t) => t.host).join(" and ");
  const lines: string[] = [
    `# bb-oidc.yaml for Bitbucket workspace ${slug}, written by \`bb-oidc discover --format config\``,
    `# at ${report.generatedAt}.`,
    "#",
    "# Replace every <PLACEHOLDER> (each is marked on its line), then run:",
    "#   bb-oidc template --config bb-oidc.yaml",
    "#",
    ...Object.entries(CONFIG_PLACEHOLDERS).map(([k, v]) => `#   ${k.padEnd(18)} ${v}`),
    "#",
    `# Issuer (the IAM provider Url): ${report.issuer}`,
    `# Signing keys: ${report.keys.url}`,
  ];
  if (report.warnings.length > 0) {
    lines.push("#", "# Warnings when this was written:");
    for (const w of report.warnings) lines.push(`#   ${w.code}: ${w.message}`);
  }
  const issuerOrigin = new URL(report.issuer).origin;
  lines.push(
    "",
    "workspace:",
    `  slug: ${q(slug)}`,
    `  uuid: ${q(report.workspace.uuid)}`,
    ...(issuerOrigin === "https://api.bitbucket.org"
      ? []
      : [
          `  apiBase: ${q(issuerOrigin)}   # the issuer this endpoint declares is not api.bitbucket.org`,
        ]),
    "",
    "# The provider's ClientIdList. Tokens carry the workspace's default audience unless",
    "# bitbucket-pipelines.yml sets options.oidc.audiences (then list those here instead).",
    "audiences:",
    `  - ${q(report.defaultAudience)}`,
    "",
    "# Create the workspace's OIDC provider in each target account (one per issuer URL per",
    "# account). If it already exists there, write `provider: { create: false }` instead.",
    "provider:",
    "  create: true",
  );
  if (report.thumbprints.length > 0) {
    lines.push(
      `  # SHA-1 of the top intermediate CA served by ${hosts}, read on ${report.generatedAt.slice(0, 10)}.`,
      "  # IAM checks the host against its own trusted CAs first; the thumbprints are a fallback.",
      "  thumbprints:",
      ...report.thumbprints.slice(0, 5).map((t) => `    - ${q(t)}`),
    );
  }
  const egress = report.ipRanges;
  lines.push(
    "",
    "roles:",
    "  # An example role: replace the placeholders and narrow the policy to what the pipeline needs.",
    `  - name: ${q("<ROLE_NAME>")}   # PLACEHOLDER: the IAM role name`,
    `    description: ${q(`Assumed by Bitbucket Pipelines of workspace ${slug} through OIDC.`)}`,
    `    accounts: [${q("<AWS_ACCOUNT_ID>")}]   # PLACEHOLDER: 12-digit AWS account ID`,
    `    repositories: [${q("<REPOSITORY_UUID>")}]   # PLACEHOLDER: {repository-uuid}, with braces`,
    "    # Only the deployment steps of one environment (limit its deployments to a branch in",
    "    # Bitbucket: branch names cannot be checked in a trust policy):",
    '    # environments: ["{deployment-environment-uuid}"]',
    ...(report.ipRangesUnavailable
      ? [
          `    # GAP: the egress ranges could not be read from ${report.ipRangesUnavailable.url}`,
          `    # (${report.ipRangesUnavailable.reason.replace(/\s+/g, " ")}).`,
          "    # Fetch the feed where it is reachable before relying on sourceIps.",
        ]
      : []),
    egress
      ? `    # Only from Atlassian's ${egress.egress.length} Pipelines egress ranges (feed ${egress.syncToken || "?"}), which`
      : "    # Only from Atlassian's Pipelines egress ranges, which",
    "    # needs `runtime: cloud: atlassian-ip-ranges: true` on 4x/8x steps (otherwise steps egress from",
    "    # broad cloud ranges and are refused) and `bb-oidc template --ip-ranges <feed.json>`:",
    "    # sourceIps: bitbucket-egress",
    "    maxSessionDuration: 3600",
    "    inlinePolicies:",
    "      deploy:",
    '        Version: "2012-10-17"',
    "        Statement:",
    "          - Sid: ExampleDeploy",
    "            Effect: Allow",
    '            Action: ["s3:PutObject"]',
    `            Resource: ${q("arn:aws:s3:::<S3_BUCKET>/*")}   # PLACEHOLDER: example resource`,
    "",
  );
  return lines.join("\n");
}
