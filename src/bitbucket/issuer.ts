import { InputError } from "../errors.js";
import { isBareUuid, isBracedUuid } from "./uuid.js";

export const DEFAULT_API_BASE = "https://api.bitbucket.org";

const SLUG = /^[A-Za-z0-9._-]+$/;
const ISSUER_PATH = /^\/2\.0\/workspaces\/([^/?#]+)\/pipelines-config\/identity\/oidc$/;

function checkWorkspace(workspace: string): void {
  if (isBracedUuid(workspace)) return;
  if (isBareUuid(workspace)) {
    throw new InputError(
      `workspace ${JSON.stringify(workspace)} looks like a UUID without braces. UUIDs in Bitbucket claims carry braces: write {${workspace}}`,
      { expected: `{${workspace}}`, actual: workspace },
    );
  }
  if (!SLUG.test(workspace)) {
    throw new InputError(`workspace ${JSON.stringify(workspace)} is neither a slug nor a {uuid}`, {
      expected: "a workspace slug (letters, digits, '-', '_', '.') or {workspace-uuid}",
      actual: workspace,
    });
  }
}

/** `https://host[:port]` of an API base given by a user; an input error for anything else. */
export function normalizeApiBase(apiBase: string): string {
  return checkApiBase(apiBase);
}

function checkApiBase(apiBase: string): string {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new InputError(`API base ${JSON.stringify(apiBase)} is not a URL`, { actual: apiBase });
  }
  if (url.protocol !== "https:" || url.pathname.replace(/\/+$/, "") !== "" || url.search) {
    throw new InputError(`API base must be https://host[:port] only, got ${apiBase}`, {
      expected: DEFAULT_API_BASE,
      actual: apiBase,
    });
  }
  return `https://${url.host}`;
}

/**
 * The OIDC issuer of a Bitbucket workspace:
 * `https://api.bitbucket.org/2.0/workspaces/<ws>/pipelines-config/identity/oidc`.
 * `workspace` is the slug or `{uuid}` (kept exactly as given; `iss` is compared exactly).
 */
export function issuerFor(workspace: string, apiBase: string = DEFAULT_API_BASE): string {
  checkWorkspace(workspace);
  return `${checkApiBase(apiBase)}/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;
}

/** Inverse of `issuerFor`; `null` when the URL is not a Bitbucket Pipelines issuer (exact form, no trailing slash). */
export function parseIssuer(url: string): { workspace: string; apiBase: string } | null {
  if (typeof url !== "string" || !url.startsWith("https://")) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.search || parsed.hash || parsed.username || parsed.password) return null;
  const apiBase = `https://${parsed.host}`;
  const rest = url.slice(apiBase.length);
  const m = ISSUER_PATH.exec(rest);
  if (!m) return null;
  const workspace = m[1]!;
  if (!isBracedUuid(workspace) && !SLUG.test(workspace)) return null;
  return { workspace, apiBase };
}

/**
 * The issuer without `https://`: IAM's provider Url form, the last part of the provider ARN and
 * the prefix of condition keys (`<hostPath>:aud`, `<hostPath>:sub`).
 */
export function providerHostPath(issuer: string): string {
  if (typeof issuer !== "string" || !issuer.startsWith("https://") || issuer.length <= 8) {
    throw new InputError(`issuer must start with https://, got ${JSON.stringify(issuer)}`, {
      expected: "https://…",
      actual: issuer,
    });
  }
  return issuer.slice("https://".length);
}

/** `arn:<partition>:iam::<account>:oidc-provider/<issuer without https://>`. */
export function providerArn(account: string, issuer: string, partition = "aws"): string {
  if (!/^\d{12}$/.test(account)) {
    throw new InputError(`AWS account ID must be 12 digits, got ${JSON.stringify(account)}`, {
      expected: "12 digits",
      actual: account,
    });
  }
  if (!/^aws(-[a-z]+)*$/.test(partition)) {
    throw new InputError(`unknown AWS partition ${JSON.stringify(partition)}`, {
      expected: "aws, aws-cn, aws-us-gov, …",
      actual: partition,
    });
  }
  return `arn:${partition}:iam::${account}:oidc-provider/${providerHostPath(issuer)}`;
}
