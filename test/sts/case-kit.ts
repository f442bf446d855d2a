/**
 * Shared by every door that runs the decision cases (test/cases/*.json): loading and checking
 * the case files, building the token each case asks for, and the request STS receives.
 *
 * The signing key is injectable: the library and CLI runners generate their own issuer keys
 * (`generateCaseKeys`); the emulator runner passes the emulator workspace's key instead.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { base64url, CompactSign, exportJWK, exportSPKI, generateKeyPair, type JWK } from "jose";

export const CASES_DIR = fileURLToPath(new URL("../cases/", import.meta.url));

export const TOKEN_VARIANTS = [
  "signed",
  "es256",
  "unsigned-claims",
  "alg-none",
  "hs256-with-public-key",
  "tampered-payload",
  "unknown-kid",
  "wrong-key",
  "garbage",
  "oversized",
] as const;
export type TokenVariant = (typeof TOKEN_VARIANTS)[number];

/** Defaults for omitted request fields (test/cases/README.md). */
export const DEFAULT_SESSION_NAME = "bb-oidc-case";

export interface ConditionRef {
  statement: number;
  operator: string;
  key: string;
}

export interface StatementExpect {
  index: number;
  principalMatched?: boolean;
  actionMatched?: boolean;
  applies?: boolean;
}

export interface CaseExpect {
  decision: "allow" | "deny";
  code?: string;
  httpStatus?: number;
  message?: string;
  messageContains?: string;
  policyDecision?: "allow" | "explicitDeny" | "implicitDeny";
  failing?: ConditionRef;
  matching?: ConditionRef[];
  statements?: StatementExpect[];
  audience?: string;
  subject?: string;
  assumedRoleArn?: string;
  durationSeconds?: number;
}

export interface DecisionCase {
  description: string;
  reference: string;
  now: number;
  provider: { url: string; clientIds: string[]; account?: string };
  role: {
    name: string;
    path?: string;
    account: string;
    maxSessionDuration?: number;
    trustPolicy: unknown;
  };
  token: {
    variant?: TokenVariant;
    claims?: Record<string, unknown>;
    /** tampered-payload: claims merged over `claims` after signing. */
    tamper?: Record<string, unknown>;
    /** garbage: the literal token text. */
    raw?: string;
    /** Whitespace sent before / after the token (e.g. the newline `echo` adds to a token file). */
    before?: string;
    after?: string;
  };
  request?: {
    roleSessionName?: string;
    durationSeconds?: number;
    /** Omitted: the door's own (none for library and CLI). `null`: the case needs it absent. */
    sourceIp?: string | null;
    roleArn?: string;
  };
  expect: CaseExpect;
}

export interface CaseFile {
  slug: string;
  file: string;
  case: DecisionCase;
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CASE_KEYS = new Set([
  "description",
  "reference",
  "now",
  "provider",
  "role",
  "token",
  "request",
  "expect",
]);
const EXPECT_KEYS = new Set([
  "decision",
  "code",
  "httpStatus",
  "message",
  "messageContains",
  "policyDecision",
  "failing",
  "matching",
  "statements",
  "audience",
  "subject",
  "assumedRoleArn",
  "durationSeconds",
]);

/** Problems with a case file's shape (empty when it follows the schema in test/cases/README.md). */
export function validateCase(slug: string, c: DecisionCase): string[] {
  const problems: string[] = [];
  const need = (ok: unknown, what: string) => {
    if (!ok) problems.push(what);
  };
  need(SLUG.test(slug), "file name is not a lower-case slug");
  for (const k of Object.keys(c)) need(CASE_KEYS.has(k), `unknown top-level field ${k}`);
  need(typeof c.description === "string" && c.description.length > 0, "description");
  need(typeof c.reference === "string" && c.reference.length > 0, "reference");
  need(Number.isInteger(c.now), "now must be epoch seconds");
  need(
    typeof c.provider?.url === "string" && Array.isArray(c.provider?.clientIds),
    "provider {url, clientIds}",
  );
  need(
    typeof c.role?.name === "string" && /^\d{12}$/.test(c.role?.account ?? ""),
    "role {name, account}",
  );
  need(c.role?.trustPolicy !== undefined, "role.trustPolicy");
  need(
    c.role?.path === undefined || /^\/(?:[\x21-\x7e]+\/)?$/.test(c.role.path),
    "role.path like /ci/",
  );
  const variant = c.token?.variant ?? "signed";
  need((TOKEN_VARIANTS as readonly string[]).includes(variant), `unknown token variant ${variant}`);
  if (variant === "garbage") need(typeof c.token.raw === "string", "garbage needs token.raw");
  else need(c.token?.claims && typeof c.token.claims === "object", "token.claims");
  if (variant === "tampered-payload") need(c.token.tamper, "tampered-payload needs token.tamper");
  for (const side of ["before", "after"] as const) {
    const w = c.token?.[side];
    need(w === undefined || /^[ \t\r\n]+$/.test(w), `token.${side} must be spaces, tabs, CR or LF`);
  }
  const e = c.expect;
  need(e && (e.decision === "allow" || e.decision === "deny"), "expect.decision");
  for (const k of Object.keys(e ?? {})) need(EXPECT_KEYS.has(k), `unknown expect field ${k}`);
  if (e?.decision === "deny")
    need(e.code && e.httpStatus, "a deny needs expect.code and expect.httpStatus");
  if (e?.decision === "allow")
    need(e.code === undefined && e.message === undefined, "an allow has no code/message");
  return problems;
}

export function loadCases(dir = CASES_DIR): CaseFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      return {
        slug: f.slice(0, -5),
        file,
        case: JSON.parse(readFileSync(file, "utf8")) as DecisionCase,
      };
    });
}

// ───────────── request ─────────────

export function roleArnOf(c: DecisionCase): string {
  return `arn:aws:iam::${c.role.account}:role${c.role.path ?? "/"}${c.role.name}`;
}

export interface CaseRequest {
  roleArn: string;
  roleSessionName: string;
  durationSeconds?: number;
  sourceIp?: string;
  now: number;
}

/** The STS request parameters of a case, with the defaults filled in (sourceIp: none). */
export function requestOf(c: DecisionCase): CaseRequest {
  const r = c.request ?? {};
  return {
    roleArn: r.roleArn ?? roleArnOf(c),
    roleSessionName: r.roleSessionName ?? DEFAULT_SESSION_NAME,
    ...(r.durationSeconds !== undefined ? { durationSeconds: r.durationSeconds } : {}),
    ...(typeof r.sourceIp === "string" ? { sourceIp: r.sourceIp } : {}),
    now: c.now,
  };
}

export function providerOf(c: DecisionCase): { account: string; url: string; clientIds: string[] } {
  return {
    account: c.provider.account ?? c.role.account,
    url: c.provider.url,
    clientIds: c.provider.clientIds,
  };
}

export function roleOf(c: DecisionCase): {
  arn: string;
  trustPolicy: unknown;
  maxSessionDuration: number;
} {
  return {
    arn: roleArnOf(c),
    trustPolicy: c.role.trustPolicy,
    maxSessionDuration: c.role.maxSessionDuration ?? 3600,
  };
}

// ───────────── keys and tokens ─────────────

type PrivateKey = CryptoKey | Uint8Array;

export interface SigningKeys {
  /** The issuer's RS256 signing key and the kid its JWKS publishes it under. */
  rsa: { privateKey: CryptoKey; kid: string };
  /** An ES256 key the issuer also publishes (variant es256). A door without one skips es256. */
  ec?: { privateKey: CryptoKey; kid: string };
  /** The issuer's public RSA key as PEM: the HMAC secret of the key-confusion attack. */
  rsaPublicPem: string;
}

export interface CaseKeys {
  signing: SigningKeys;
  /** The issuer's public keys (what keys.json would serve). */
  jwks: { keys: JWK[] };
}

/** Fresh issuer keys: RS256 (kid case-rsa-1) and ES256 (kid case-ec-1), and their JWKS. */
export async function generateCaseKeys(): Promise<CaseKeys> {
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  const rsaJwk = {
    ...(await exportJWK(rsa.publicKey)),
    kid: "case-rsa-1",
    alg: "RS256",
    use: "sig",
  };
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: "case-ec-1", alg: "ES256", use: "sig" };
  return {
    signing: {
      rsa: { privateKey: rsa.privateKey, kid: "case-rsa-1" },
      ec: { privateKey: ec.privateKey, kid: "case-ec-1" },
      rsaPublicPem: await exportSPKI(rsa.publicKey),
    },
    jwks: { keys: [rsaJwk, ecJwk] },
  };
}

let attackerKey: Promise<CryptoKey> | undefined;
/** A key no issuer publishes (unknown-kid, wrong-key). */
function attacker(): Promise<CryptoKey> {
  attackerKey ??= generateKeyPair("RS256").then((k) => k.privateKey);
  return attackerKey;
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

async function sign(
  claims: unknown,
  alg: string,
  kid: string | undefined,
  key: PrivateKey,
): Promise<string> {
  return new CompactSign(json(claims))
    .setProtectedHeader({ alg, typ: "JWT", ...(kid !== undefined ? { kid } : {}) })
    .sign(key);
}

export type BuiltToken =
  | { kind: "token"; token: string }
  | { kind: "claims"; claims: Record<string, unknown> };

/**
 * Builds what the case's token variant describes, signing with `keys` (the issuer's), with the
 * case's surrounding whitespace.
 */
export async function buildToken(c: DecisionCase, keys: SigningKeys): Promise<BuiltToken> {
  const built = await buildBareToken(c, keys);
  if (built.kind === "claims") return built;
  return { kind: "token", token: `${c.token.before ?? ""}${built.token}${c.token.after ?? ""}` };
}

async function buildBareToken(c: DecisionCase, keys: SigningKeys): Promise<BuiltToken> {
  const variant = c.token.variant ?? "signed";
  const claims = c.token.claims ?? {};
  const { rsa } = keys;
  switch (variant) {
    case "signed":
      return { kind: "token", token: await sign(claims, "RS256", rsa.kid, rsa.privateKey) };
    case "es256": {
      if (!keys.ec) throw new Error("variant es256 needs an ES256 issuer key");
      return { kind: "token", token: await sign(claims, "ES256", keys.ec.kid, keys.ec.privateKey) };
    }
    case "unsigned-claims":
      return { kind: "claims", claims };
    case "alg-none": {
      const header = base64url.encode(json({ alg: "none", typ: "JWT" }));
      return { kind: "token", token: `${header}.${base64url.encode(json(claims))}.` };
    }
    case "hs256-with-public-key":
      return {
        kind: "token",
        token: await sign(claims, "HS256", rsa.kid, new TextEncoder().encode(keys.rsaPublicPem)),
      };
    case "tampered-payload": {
      const [h, , s] = (await sign(claims, "RS256", rsa.kid, rsa.privateKey)).split(".");
      return {
        kind: "token",
        token: `${h}.${base64url.encode(json({ ...claims, ...c.token.tamper }))}.${s}`,
      };
    }
    case "unknown-kid":
      return {
        kind: "token",
        token: await sign(claims, "RS256", "rotated-away-2024", await attacker()),
      };
    case "wrong-key":
      return { kind: "token", token: await sign(claims, "RS256", rsa.kid, await attacker()) };
    case "garbage":
      return { kind: "token", token: c.token.raw ?? "not-a-jwt" };
    case "oversized": {
      const padded = { ...claims, padding: "x".repeat(20500) };
      return { kind: "token", token: await sign(padded, "RS256", rsa.kid, rsa.privateKey) };
    }
  }
}

// ───────────── doors ─────────────

/** Why the explain CLI cannot express a case (its provider and role are built from flags), or undefined. */
export function cliSkipReason(c: DecisionCase): string | undefined {
  if (c.provider.account !== undefined && c.provider.account !== c.role.account) {
    return "explain puts the provider in the role's account";
  }
  if (c.request?.roleArn !== undefined && c.request.roleArn !== roleArnOf(c)) {
    return "explain always defines the role it is given";
  }
  return undefined;
}

/** Variants explain rejects as input (exit 2) before deciding: it decodes the token itself. */
export function cliRejectsAsInput(c: DecisionCase): boolean {
  const v = c.token.variant ?? "signed";
  return v === "garbage" || v === "oversized";
}

/** `bb-oidc explain` arguments for a case (files already written by the caller). */
export function explainArgs(
  c: DecisionCase,
  built: BuiltToken,
  files: { trustPolicy: string; jwks: string },
): string[] {
  const r = requestOf(c);
  const args = [
    "explain",
    "--trust-policy",
    files.trustPolicy,
    "--provider-url",
    c.provider.url,
    ...c.provider.clientIds.flatMap((id) => ["--client-id", id]),
    "--role-arn",
    r.roleArn,
    "--now",
    String(r.now),
    "--session-name",
    r.roleSessionName,
    "--max-session-duration",
    String(c.role.maxSessionDuration ?? 3600),
  ];
  if (r.durationSeconds !== undefined) args.push("--duration", String(r.durationSeconds));
  if (r.sourceIp !== undefined) args.push("--source-ip", r.sourceIp);
  if (built.kind === "claims") args.push("--claims", JSON.stringify(built.claims));
  else args.push("--token", built.token, "--jwks", files.jwks);
  args.push("--json");
  return args;
}

/** What a door over HTTP (the emulator) can do; decides which cases it must skip. */
export interface DoorCapabilities {
  /** The issuer also publishes an ES256 key the runner can sign with. */
  ecKey: boolean;
  /** The runner can choose the caller address STS sees (e.g. a trusted forwarding header). */
  chooseSourceIp: boolean;
  /** The runner can make the caller address absent from the request context. */
  omitSourceIp: boolean;
  /** Providers and roles can be created in several accounts. */
  accounts: boolean;
}

/** Why a door with these capabilities cannot run a case, or undefined. */
export function doorSkipReason(c: DecisionCase, can: DoorCapabilities): string | undefined {
  const variant = c.token.variant ?? "signed";
  if (variant === "es256" && !can.ecKey) return "no ES256 issuer key";
  const ip = c.request?.sourceIp;
  if (ip === null && !can.omitSourceIp) return "needs the caller address absent";
  if (typeof ip === "string" && !can.chooseSourceIp) return "needs a chosen caller address";
  if (c.provider.account !== undefined && c.provider.account !== c.role.account && !can.accounts) {
    return "needs a second account";
  }
  return undefined;
}

/**
 * The token a door that takes only signed tokens sends: `unsigned-claims` cases are signed like
 * `signed` ones (their expectation does not depend on the signature).
 */
export async function buildSignedToken(c: DecisionCase, keys: SigningKeys): Promise<string> {
  const built = await buildToken(c, keys);
  if (built.kind === "token") return built.token;
  return buildToken({ ...c, token: { ...c.token, variant: "signed" } }, keys).then((b) =>
    b.kind === "token" ? b.token : "",
  );
}
