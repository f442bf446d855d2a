/**
 * A plain view of a trust policy's statements as written (after template resolution), for the
 * rules that judge how a policy is written rather than what it decides. What it decides is asked
 * of the engine (see `attempts.ts`); this view never decides access.
 */
import { compileGlob, parseGlob } from "../../policy/glob.js";
import { parseProviderArn } from "../../shared/iam-names.js";
import { isRecord } from "../../shared/is-record.js";

export { parseProviderArn };

/** A step into a policy document: `["Statement", 0, "Condition", "StringEquals", "<key>"]`. */
export type DocPath = readonly (string | number)[];

/** One condition of one statement, as written. */
export interface ConditionView {
  /** As written, e.g. `ForAllValues:StringLike`. */
  operator: string;
  key: string;
  values: string[];
  path: DocPath;
}

export interface StatementView {
  index: number;
  effect: string;
  /** `Principal.Federated` values. */
  federated: string[];
  /** `Principal: "*"` or `{"AWS": "*"}`. */
  anyPrincipal: boolean;
  /** Whether Action/NotAction covers sts:AssumeRoleWithWebIdentity. */
  webIdentity: boolean;
  /** Whether Action/NotAction covers sts:AssumeRole (role chaining, AWS principals). */
  assumeRole: boolean;
  /** `Principal.AWS` values (accounts, roles, users). */
  aws: string[];
  conditions: ConditionView[];
  path: DocPath;
}

const WEB_IDENTITY = "sts:assumerolewithwebidentity";
const ASSUME_ROLE = "sts:assumerole";

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function text(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Whether an action pattern (IAM wildcards, case-insensitive) covers `action`. */
function covers(action: string): (pattern: unknown) => boolean {
  return (pattern) =>
    typeof pattern === "string" && compileGlob(parseGlob(pattern.toLowerCase()))(action);
}

/** Whether a statement's Action (or NotAction) covers `action`. */
function allows(statement: Record<string, unknown>, action: string): boolean {
  if (statement.Action !== undefined) return list(statement.Action).some(covers(action));
  return statement.NotAction !== undefined && !list(statement.NotAction).some(covers(action));
}

// Lint rules, who-can's rows, facts and opacity all read the same documents: build each view once.
const views = new WeakMap<object, StatementView[]>();

export function statementViews(doc: unknown): StatementView[] {
  if (!isRecord(doc)) return [];
  const known = views.get(doc);
  if (known) return known;
  const built = buildViews(doc);
  views.set(doc, built);
  return built;
}

function buildViews(doc: Record<string, unknown>): StatementView[] {
  const raw = doc.Statement;
  const items: { value: unknown; path: DocPath }[] = Array.isArray(raw)
    ? raw.map((value, i) => ({ value, path: ["Statement", i] }))
    : [{ value: raw, path: ["Statement"] }];
  const out: StatementView[] = [];
  items.forEach(({ value, path }, index) => {
    if (!isRecord(value)) return;
    const principal = value.Principal;
    const federated = isRecord(principal)
      ? list(principal.Federated).filter((f): f is string => typeof f === "string")
      : [];
    const anyPrincipal =
      principal === "*" || (isRecord(principal) && list(principal.AWS).includes("*"));
    const webIdentity = allows(value, WEB_IDENTITY);
    const aws = isRecord(principal)
      ? list(principal.AWS).filter((a): a is string => typeof a === "string")
      : [];
    const conditions: ConditionView[] = [];
    if (isRecord(value.Condition)) {
      for (const [operator, block] of Object.entries(value.Condition)) {
        if (!isRecord(block)) continue;
        for (const [key, v] of Object.entries(block)) {
          conditions.push({
            operator,
            key,
            values: list(v).map(text),
            path: [...path, "Condition", operator, key],
          });
        }
      }
    }
    out.push({
      index,
      effect: typeof value.Effect === "string" ? value.Effect : "",
      federated,
      anyPrincipal,
      webIdentity,
      assumeRole: allows(value, ASSUME_ROLE),
      aws,
      conditions,
      path,
    });
  });
  return out;
}

/** Splits a condition key at its last colon: `host/path:sub` → `["host/path", "sub"]`. */
export function splitKey(key: string): [prefix: string, name: string] {
  const at = key.lastIndexOf(":");
  return at < 0 ? ["", key] : [key.slice(0, at), key.slice(at + 1)];
}

/** The claim a key names when it is an OIDC provider key (`<url>:aud`), else undefined. */
export function providerClaim(key: string): string | undefined {
  const [prefix, name] = splitKey(key);
  // Global keys (aws:, sts:, iam:, …) have a bare service prefix; provider keys have a host.
  if (!prefix.includes(".") && !prefix.includes("/")) return undefined;
  return name.toLowerCase();
}

/** Operator without set prefix and IfExists, e.g. `ForAnyValue:StringLikeIfExists` → `StringLike`. */
export function baseOperator(operator: string): string {
  const colon = operator.indexOf(":");
  const rest = colon < 0 ? operator : operator.slice(colon + 1);
  return rest.endsWith("IfExists") ? rest.slice(0, -"IfExists".length) : rest;
}

/** Web-identity Allow statements: those that can let a Bitbucket token in. */
export function webIdentityAllows(statements: readonly StatementView[]): StatementView[] {
  return statements.filter(
    (s) => s.effect === "Allow" && s.webIdentity && (s.federated.length > 0 || s.anyPrincipal),
  );
}

/** The provider URLs a statement trusts (from its Federated ARNs). */
export function trustedUrls(s: StatementView): string[] {
  return s.federated.map((f) => parseProviderArn(f)?.url).filter((u): u is string => !!u);
}
