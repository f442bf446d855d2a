/**
 * The value kinds particular to `bb-oidc.yaml` (UUIDs in braces, audiences, source IPs, inline
 * policies, tags), with IAM's and Bitbucket's own patterns and limits
 * (docs/aws-behaviour.md, "Limits").
 */
import ipaddr from "ipaddr.js";
import { isBareUuid, isBracedUuid, issuerFor, MAX_AUDIENCE_LENGTH } from "../../bitbucket/index.js";
import { PolicyError } from "../../errors.js";
import { compilePolicy } from "../../policy/index.js";
import { IAM_NAME_CHARS_TEXT, iamNamePattern } from "../../shared/iam-names.js";
import type { Path } from "../reader/source-locations.js";
import type { Checker } from "./checker.js";
import { custom, customString, type JsonSchema, matching } from "./kinds.js";
import type { PolicyDocumentJson, SourceIps } from "./types.js";

export const ADMIN_OPT_IN_FIELD = "allowAdministratorAccess";
export const BITBUCKET_EGRESS = "bitbucket-egress";

// IAM's own patterns and limits (IAM API reference; docs/aws-behaviour.md, "Limits").
export const ROLE_NAME = iamNamePattern(1, 64);
export const POLICY_NAME = iamNamePattern(1, 128);
export const IAM_PATH = /^(\/|\/[\x21-\x7e]{1,510}\/)$/;
export const ACCOUNT = /^\d{12}$/;
export const OU = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
export const POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::(aws|\d{12}):policy\/[\x21-\x7e]+$/;
export const THUMBPRINT = /^[0-9a-fA-F]{40}$/;
export const DESCRIPTION = /^[\t\n\r\x20-\x7e\xa1-\xff]{0,1000}$/;
export const SLUG = /^[A-Za-z0-9._-]+$/;
export const BRACED_UUID =
  /^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}$/;
/** IAM allows 20 managed policies per role at most (10 by default). */
export const MAX_MANAGED_POLICIES = 20;
/** 50 tags per role; bb-oidc adds its own two. */
export const MAX_USER_TAGS = 48;
export const MAX_THUMBPRINTS = 5;

export function bracedUuid(what: string) {
  return customString(
    `${what} UUID in braces`,
    { pattern: BRACED_UUID.source },
    (c, s, path) => {
      if (isBracedUuid(s)) return s;
      if (isBareUuid(s)) {
        return c.report(
          path,
          `${what} UUID ${s} needs braces: write "{${s}}" (Bitbucket writes UUIDs with braces in tokens, and a condition without them never matches)`,
          { expected: `"{${s}}"` },
        );
      }
      return c.report(
        path,
        `${JSON.stringify(s)} is not a ${what} UUID; expected e.g. "{1de489be-7d0a-4b7e-9c43-0f6b1b2c3d4e}"`,
        { expected: "{uuid}" },
      );
    },
    `a ${what} UUID in braces`,
  );
}

export const audience = customString(
  "string",
  { minLength: 1, maxLength: MAX_AUDIENCE_LENGTH },
  (c, s, path) =>
    s.length >= 1 && s.length <= MAX_AUDIENCE_LENGTH
      ? s
      : c.report(
          path,
          `an audience must be 1 to ${MAX_AUDIENCE_LENGTH} characters (Bitbucket's limit), this one has ${s.length}`,
        ),
  "an audience string",
);

export const slug = customString(
  "workspace slug",
  { pattern: SLUG.source },
  (c, s, path) => {
    if (isBareUuid(s) || isBracedUuid(s)) {
      return c.report(
        path,
        "this is a UUID; slug is the workspace ID from its URL (the UUID goes in workspace.uuid)",
      );
    }
    if (!SLUG.test(s)) {
      return c.report(
        path,
        `${JSON.stringify(s)} is not a workspace slug (letters, digits, ".", "_", "-")`,
      );
    }
    return s;
  },
  "the workspace slug",
);

export const apiBase = customString(
  "https:// origin",
  { format: "uri" },
  (c, s, path) => {
    try {
      issuerFor("x", s);
      return s;
    } catch (err) {
      return c.report(path, (err as Error).message);
    }
  },
  "an https:// origin",
);

export const policyDocumentSchema: JsonSchema = {
  type: "object",
  required: ["Statement"],
  properties: {
    Version: { enum: ["2012-10-17", "2008-10-17"] },
    Statement: { type: ["array", "object"] },
  },
};

export const inlinePolicies = custom<Record<string, PolicyDocumentJson>>(
  "mapping of policy name → IAM policy document",
  {
    type: "object",
    propertyNames: { pattern: POLICY_NAME.source },
    additionalProperties: policyDocumentSchema,
  },
  (c, value, path) => checkInline(c, value, path),
);

export const sourceIps = custom<SourceIps>(
  `"${BITBUCKET_EGRESS}" or list of CIDR blocks`,
  {
    oneOf: [
      { const: BITBUCKET_EGRESS },
      { type: "array", items: { type: "string" }, minItems: 1, uniqueItems: true },
    ],
  },
  (c, value, path) => checkSourceIps(c, value, path),
);

export const tags = custom<Record<string, string>>(
  `mapping of tag key → value (at most ${MAX_USER_TAGS})`,
  {
    type: "object",
    maxProperties: MAX_USER_TAGS,
    propertyNames: { minLength: 1, maxLength: 128, not: { pattern: "^[aA][wW][sS]:" } },
    additionalProperties: { type: "string", maxLength: 256 },
  },
  (c, value, path) => checkTags(c, value, path),
);

export const policyArn = matching(
  POLICY_ARN,
  "a managed policy ARN (arn:aws:iam::aws:policy/… or arn:aws:iam::<account>:policy/…)",
  "managed policy ARN",
);

function checkInline(
  c: Checker,
  value: unknown,
  path: Path,
): Record<string, PolicyDocumentJson> | undefined {
  const m = c.mapping(value, path, "inline policies: { <name>: <policy document> }");
  if (!m) return undefined;
  const out: Record<string, PolicyDocumentJson> = {};
  for (const [name, doc] of Object.entries(m)) {
    const p = [...path, name];
    if (!POLICY_NAME.test(name)) {
      c.report(
        p,
        `${JSON.stringify(name)} is not a policy name (1–128 of ${IAM_NAME_CHARS_TEXT})`,
        { at: "key" },
      );
      continue;
    }
    const d = c.mapping(doc, p, 'a policy document: { Version: "2012-10-17", Statement: [...] }');
    if (!d) continue;
    if (d.Version !== undefined && d.Version !== "2012-10-17" && d.Version !== "2008-10-17") {
      c.report(
        [...p, "Version"],
        `Version must be "2012-10-17" (quote it: YAML would read a bare date as a date)`,
      );
    }
    if (d.Statement === undefined || typeof d.Statement !== "object") {
      c.report(p, "a policy document needs a Statement (a list of statements)");
      continue;
    }
    try {
      compilePolicy(d, { kind: "identity" });
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      c.report(p, `IAM would refuse this policy: ${err.message}`);
      continue;
    }
    out[name] = d;
  }
  return out;
}

function checkSourceIps(c: Checker, value: unknown, path: Path): SourceIps | undefined {
  if (value === BITBUCKET_EGRESS) return BITBUCKET_EGRESS;
  if (typeof value === "string") {
    return c.report(
      path,
      `expected "${BITBUCKET_EGRESS}" or a list of CIDR blocks, got ${JSON.stringify(value)}`,
      { expected: `${BITBUCKET_EGRESS} | [cidr, …]` },
    );
  }
  return c.listOf(
    value,
    path,
    "CIDR blocks",
    (v, p) => {
      const s = c.string(v, p, "a CIDR block such as 203.0.113.0/24");
      if (s === undefined) return undefined;
      if (ipaddr.isValidCIDR(s) || ipaddr.isValid(s)) return s;
      return c.report(p, `${JSON.stringify(s)} is not an IP address or CIDR block`, {
        expected: "CIDR",
      });
    },
    { min: 1 },
  );
}

function checkTags(c: Checker, value: unknown, path: Path): Record<string, string> | undefined {
  const m = c.mapping(value, path, "tags: { key: value }");
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const entries = Object.entries(m);
  if (entries.length > MAX_USER_TAGS) return c.report(path, `at most ${MAX_USER_TAGS} tags`);
  for (const [key, v] of entries) {
    const p = [...path, key];
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith("aws:")) {
      c.report(p, "tag keys are 1–128 characters and may not start with aws:", { at: "key" });
      continue;
    }
    const s = c.string(v, p, "a tag value");
    if (s === undefined) continue;
    if (s.length > 256) {
      c.report(p, "tag values are at most 256 characters");
      continue;
    }
    out[key] = s;
  }
  return out;
}
