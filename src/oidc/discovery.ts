import { FetchError } from "../errors.js";
import { DEFAULT_FETCH_TIMEOUT_MS, type JsonFetcher } from "./fetcher.js";

export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  [field: string]: unknown;
}

/** `<issuer>/.well-known/openid-configuration` (a trailing slash on the issuer is not doubled). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
}

/**
 * Fetches and checks an OpenID Provider configuration: `issuer` must equal the requested issuer
 * exactly (`ERR_DISCOVERY_ISSUER_MISMATCH`), `jwks_uri` must be an https URL
 * (`ERR_DISCOVERY_INVALID`). Fetch failures are the fetcher's `FetchError`s; an HTTP status error
 * gains a hint (Bitbucket publishes the document only once OIDC was used in the workspace).
 */
export async function fetchDiscovery(
  issuer: string,
  fetcher: JsonFetcher,
  opts: { timeoutMs?: number } = {},
): Promise<DiscoveryDocument> {
  const url = discoveryUrl(issuer);
  let doc: unknown;
  try {
    doc = await fetcher(url, { timeoutMs: opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS });
  } catch (e) {
    if (e instanceof FetchError && e.code === "ERR_FETCH_HTTP_STATUS" && e.hint === undefined) {
      throw new FetchError(e.code, e.message, e.url, {
        expected: e.expected,
        actual: e.actual,
        cause: e,
        hint: "check the issuer URL (workspace slug, no trailing slash); a Bitbucket workspace may publish its discovery document only after a step with `oidc: true` has run once",
      });
    }
    throw e;
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new FetchError("ERR_DISCOVERY_INVALID", `${url} is not a JSON object`, url, {
      actual: doc,
    });
  }
  const d = doc as Record<string, unknown>;
  if (d.issuer !== issuer) {
    throw new FetchError(
      "ERR_DISCOVERY_ISSUER_MISMATCH",
      `discovery document at ${url} names issuer ${JSON.stringify(d.issuer)}, not ${JSON.stringify(issuer)}`,
      url,
      {
        expected: issuer,
        actual: d.issuer,
        hint: "the issuer must match exactly, including case and trailing slash",
      },
    );
  }
  if (typeof d.jwks_uri !== "string") {
    throw new FetchError(
      "ERR_DISCOVERY_INVALID",
      `discovery document at ${url} has no jwks_uri`,
      url,
      {
        expected: "jwks_uri: https://…",
        actual: d.jwks_uri,
      },
    );
  }
  let jwksUrl: URL | undefined;
  try {
    jwksUrl = new URL(d.jwks_uri);
  } catch {
    jwksUrl = undefined;
  }
  if (jwksUrl?.protocol !== "https:") {
    throw new FetchError(
      "ERR_DISCOVERY_INVALID",
      `discovery document at ${url} has jwks_uri ${JSON.stringify(d.jwks_uri)}, which is not an https URL`,
      url,
      { expected: "https://…", actual: d.jwks_uri },
    );
  }
  return d as DiscoveryDocument;
}
