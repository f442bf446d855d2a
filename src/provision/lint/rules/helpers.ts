/** Small shared pieces of the rules: where to point, and how to spell the fix. */
import { isPlaceholder } from "../../reader/placeholders.js";
import { baseOperator, providerClaim, trustedUrls } from "../../trust/statements.js";
import { bracedUuidsIn, UUID } from "../../trust/uuids.js";
import type { ConditionView, DocPath, Position, StatementView, TrustTarget } from "../types.js";

export { baseOperator, bracedUuidsIn, isPlaceholder, providerClaim, trustedUrls };

/** Where a statement (or a part of it) is written; falls back to the policy as a whole. */
export function positionIn(t: TrustTarget, path: DocPath, needle?: string): Position | undefined {
  return t.locate(path, needle) ?? t.position;
}

/** Where to point for a statement as a whole: its Principal, which every trust statement has. */
export function statementPosition(t: TrustTarget, s: StatementView): Position | undefined {
  return positionIn(t, [...s.path, "Principal"]);
}

export function conditionPosition(t: TrustTarget, c: ConditionView): Position | undefined {
  return positionIn(t, c.path);
}

export function isNegated(operator: string): boolean {
  const base = baseOperator(operator);
  return base.includes("Not");
}

/** The provider URL to name in a fix: the statement's own, else a template. */
export function urlOf(s: StatementView): string {
  return (
    trustedUrls(s)[0] ??
    "api.bitbucket.org/2.0/workspaces/<workspace>/pipelines-config/identity/oidc"
  );
}

/** A condition value with its policy-variable escapes (`${*}`, `${?}`, `${$}`) removed. */
export function withoutEscapes(value: string): string {
  return value.replace(/\$\{[*?$]\}/g, "");
}

/** The value with every UUID given braces. */
export function braceAll(value: string): string {
  return value.replace(UUID, (u) => `{${u.replace(/[{}]/g, "")}}`);
}

/** UUIDs written without braces (or with one of them). */
export function unbracedUuidsIn(value: string): string[] {
  return (value.match(UUID) ?? []).filter((u) => !(u.startsWith("{") && u.endsWith("}")));
}

/** `{repo}:{step}` → `{repo}:*`; `{repo}:{env}:{step}` → `{repo}:{env}:*`; `{repo}` → `{repo}:*`. */
export function subPatternFor(value: string): string {
  const uuids = bracedUuidsIn(value);
  if (uuids.length >= 3) return `${uuids[0]}:${uuids[1]}:*`;
  if (uuids.length >= 1) return `${uuids[0]}:*`;
  return "{REPOSITORY-UUID}:*";
}

export function quoteList(values: readonly string[], max = 5): string {
  const shown = values.slice(0, max).map((v) => JSON.stringify(v));
  return values.length > max
    ? `${shown.join(", ")} and ${values.length - max} more`
    : shown.join(", ");
}
