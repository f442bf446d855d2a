import { braceUuid, isBareUuid } from "./uuid.js";

const PREFIX = "ari:cloud:bitbucket::workspace/";

/**
 * Bitbucket's default token audience: `ari:cloud:bitbucket::workspace/<uuid without braces>`.
 * The workspace UUID is accepted with or without braces.
 */
export function defaultAudience(workspaceUuid: string): string {
  const braced = braceUuid(workspaceUuid, "workspace UUID");
  return `${PREFIX}${braced.slice(1, -1)}`;
}

/** The workspace UUID (with braces, as in claims) of a default audience; `null` if `aud` is not one. */
export function parseDefaultAudience(aud: string): string | null {
  if (typeof aud !== "string" || !aud.startsWith(PREFIX)) return null;
  const uuid = aud.slice(PREFIX.length);
  return isBareUuid(uuid) ? `{${uuid}}` : null;
}

/** Bitbucket's limits on custom audiences. */
export const MAX_CUSTOM_AUDIENCES = 10;
export const MAX_AUDIENCE_LENGTH = 150;
