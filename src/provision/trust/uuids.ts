/** UUIDs as trust policies write them, with or without braces. */
import { isBracedUuid } from "../../bitbucket/index.js";

export const UUID =
  /\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?/g;

/** Every UUID in a value, braced, in order. */
export function bracedUuidsIn(value: string): string[] {
  return (value.match(UUID) ?? []).map((u) => `{${u.replace(/[{}]/g, "")}}`).filter(isBracedUuid);
}
