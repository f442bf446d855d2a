import { braceUuid, isBareUuid, isBracedUuid } from "../bitbucket/index.js";
import { FetchError, InputError } from "../errors.js";
import {
  type DecodedToken,
  decodeToken,
  type JsonFetcher,
  StaticJwks,
  verifySignatureOnly,
} from "../oidc/index.js";
import type { DiscoverWarning, WorkspaceFacts } from "./types.js";

const UUID_HINT =
  "give the workspace UUID (--workspace-uuid; Workspace settings → OpenID Connect shows it) or a Pipelines OIDC token of this workspace (--token)";

/**
 * Decodes a token given for its `workspaceUuid` claim and checks, before any network, that it
 * was issued for this workspace (`iss` among `issuers`) and carries a braced workspace UUID.
 */
export function readWorkspaceToken(
  token: string,
  issuers: readonly string[],
): { decoded: DecodedToken; uuid: string } {
  const decoded = decodeToken(token);
  const { iss, workspaceUuid } = decoded.claims;
  if (typeof iss !== "string" || !issuers.includes(iss)) {
    throw new InputError(
      `the token was issued by ${JSON.stringify(iss)}, not by this workspace's issuer ${issuers[0]}`,
      {
        expected: issuers[0],
        actual: iss,
        hint: "use a token from a pipeline step of this workspace, or check --workspace",
      },
    );
  }
  if (!isBracedUuid(workspaceUuid)) {
    throw new InputError(
      `the token's workspaceUuid claim is ${JSON.stringify(workspaceUuid)}, not a workspace UUID in braces`,
      { expected: "{uuid}", actual: workspaceUuid, hint: UUID_HINT },
    );
  }
  return { decoded, uuid: workspaceUuid };
}

/**
 * Checks a token against the issuer's published keys (the signature only: a token used just for
 * its workspace UUID may well have expired) and that its `iss` is exactly `issuer`.
 */
export async function checkWorkspaceToken(
  token: string,
  decoded: DecodedToken,
  issuer: string,
  jwks: unknown,
): Promise<void> {
  if (decoded.claims.iss !== issuer) {
    throw new InputError(
      `the token was issued by ${JSON.stringify(decoded.claims.iss)}, but the workspace's discovery document declares ${issuer}`,
      { expected: issuer, actual: decoded.claims.iss },
    );
  }
  await verifySignatureOnly(token, { keys: new StaticJwks(jwks, { issuer }), issuer }, decoded);
}

/** Bitbucket's `GET /2.0/workspaces/<slug>` for the UUID, with errors that say what to do instead. */
export async function fetchWorkspace(
  url: string,
  slug: string,
  fetcher: JsonFetcher,
  timeoutMs: number,
): Promise<{ facts: WorkspaceFacts; warnings: DiscoverWarning[] }> {
  let body: unknown;
  try {
    body = await fetcher(url, { timeoutMs });
  } catch (e) {
    if (e instanceof FetchError && e.code === "ERR_FETCH_HTTP_STATUS") {
      const status = e.actual;
      const why =
        status === 401 || status === 403
          ? "the workspace endpoint needs authentication (bb-oidc sends none)"
          : status === 404
            ? `Bitbucket knows no workspace ${JSON.stringify(slug)} that it shows without authentication`
            : "the workspace endpoint did not answer the workspace";
      throw new FetchError(e.code, `${url} answered HTTP ${String(status)}: ${why}`, url, {
        expected: 200,
        actual: status,
        cause: e,
        hint: `${status === 404 ? "check the slug, or " : ""}${UUID_HINT}`,
      });
    }
    throw e;
  }
  const ws = body as Record<string, unknown> | null;
  const rawUuid = ws && typeof ws === "object" ? ws.uuid : undefined;
  if (!isBracedUuid(rawUuid) && !isBareUuid(rawUuid)) {
    throw new FetchError(
      "ERR_WORKSPACE_INVALID",
      `${url} did not answer a workspace with a uuid`,
      url,
      {
        expected: '{"type": "workspace", "uuid": "{…}", "slug", "name"}',
        actual: rawUuid,
        hint: UUID_HINT,
      },
    );
  }
  const warnings: DiscoverWarning[] = [];
  const answeredSlug = typeof ws!.slug === "string" ? ws!.slug : undefined;
  if (answeredSlug !== undefined && answeredSlug !== slug) {
    warnings.push({
      code: "WORKSPACE_SLUG_DIFFERS",
      message: `${url} answered the workspace ${JSON.stringify(answeredSlug)}; the issuer uses the slug exactly as given (${JSON.stringify(slug)}), and iss is compared exactly`,
    });
  }
  const facts: WorkspaceFacts = {
    slug,
    uuid: braceUuid(rawUuid, "workspace UUID"),
    uuidSource: "workspace-endpoint",
    endpoint: url,
  };
  if (typeof ws!.name === "string") facts.name = ws!.name;
  return { facts, warnings };
}
