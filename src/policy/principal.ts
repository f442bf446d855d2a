/**
 * Principal / NotPrincipal. Matching is exact, as IAM's is (no wildcards but `"*"`):
 * - `"*"` and `{"AWS": "*"}` match anyone, including an anonymous request.
 * - Federated: the provider ARN (or IdP name) must equal the caller's exactly.
 * - AWS: an account ID or `arn:<partition>:iam::<account>:root` matches every caller of that
 *   account; any other ARN matches a caller with that exact ARN or a session of that role.
 * - Service, CanonicalUser: exact.
 */
import { PolicyError } from "../errors.js";
import { parseRootArn } from "../shared/iam-names.js";
import { describeType } from "./conditions.js";
import { IAM_POLICY_TEXTS } from "./iam-texts.js";
import { childPath } from "./json-path.js";
import type { RequestPrincipal } from "./types.js";

const TYPES = ["AWS", "Federated", "Service", "CanonicalUser"] as const;
type PrincipalType = (typeof TYPES)[number];

const ACCOUNT = /^\d{12}$/;
/** IAM shows a deleted principal as its unique ID (AIDA…, AROA…); such policies still load. */
const UNIQUE_ID = /^A[A-Z0-9]{15,}$/;

export interface CompiledPrincipal {
  anyone: boolean;
  accounts: Set<string>;
  awsArns: Set<string>;
  federated: Set<string>;
  service: Set<string>;
  canonical: Set<string>;
  /** Human-readable, for reasons: `Federated arn:…`, `AWS 123456789012`. */
  listed: string[];
}

export function compilePrincipal(raw: unknown, path: string): CompiledPrincipal {
  const p: CompiledPrincipal = {
    anyone: false,
    accounts: new Set(),
    awsArns: new Set(),
    federated: new Set(),
    service: new Set(),
    canonical: new Set(),
    listed: [],
  };
  if (raw === "*") {
    p.anyone = true;
    p.listed.push("*");
    return p;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new PolicyError(
      `a principal must be "*" or an object such as {"Federated": "<provider ARN>"}, not ${typeof raw === "string" ? JSON.stringify(raw) : describeType(raw)}`,
      path,
    );
  }
  const entries = Object.entries(raw);
  if (entries.length === 0) {
    throw new PolicyError(
      'a principal object must name at least one of "AWS", "Federated", "Service", "CanonicalUser"',
      path,
    );
  }
  for (const [type, value] of entries) {
    const typePath = childPath(path, type);
    if (!(TYPES as readonly string[]).includes(type)) {
      throw new PolicyError(
        `unknown principal type "${type}"; use one of "AWS", "Federated", "Service", "CanonicalUser"`,
        typePath,
      );
    }
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) throw new PolicyError("a principal list must not be empty", typePath);
    list.forEach((v, i) => {
      const vPath = Array.isArray(value) ? childPath(typePath, i) : typePath;
      if (typeof v !== "string" || v === "") {
        throw new PolicyError(
          `a principal must be a non-empty string, not ${typeof v === "string" ? "an empty string" : describeType(v)}`,
          vPath,
        );
      }
      addPrincipal(p, type as PrincipalType, v, vPath);
    });
  }
  return p;
}

function addPrincipal(p: CompiledPrincipal, type: PrincipalType, v: string, path: string): void {
  p.listed.push(`${type} ${v}`);
  switch (type) {
    case "AWS": {
      if (v === "*") {
        p.anyone = true;
        return;
      }
      const root = parseRootArn(v);
      if (ACCOUNT.test(v)) p.accounts.add(v);
      else if (root) p.accounts.add(root.account);
      else if (v.startsWith("arn:") || UNIQUE_ID.test(v)) p.awsArns.add(v);
      else {
        throw new PolicyError(
          `invalid AWS principal ${JSON.stringify(v)}; use a 12-digit account ID, an IAM ARN such as "arn:aws:iam::123456789012:role/name", or "*"`,
          path,
          { awsMessage: IAM_POLICY_TEXTS.invalidPrincipal("AWS", v) },
        );
      }
      return;
    }
    case "Federated":
      p.federated.add(v);
      return;
    case "Service":
      p.service.add(v);
      return;
    case "CanonicalUser":
      p.canonical.add(v);
      return;
  }
}

export function principalMatches(p: CompiledPrincipal, who: RequestPrincipal | undefined): boolean {
  if (p.anyone) return true;
  if (who === undefined || who === null || typeof who !== "object") return false;
  switch (who.type) {
    case "Federated":
      return p.federated.has(who.id);
    case "Service":
      return p.service.has(who.id);
    case "CanonicalUser":
      return p.canonical.has(who.id);
    case "AWS":
      return (
        (who.account !== undefined && p.accounts.has(who.account)) ||
        p.awsArns.has(who.id) ||
        (who.roleArn !== undefined && p.awsArns.has(who.roleArn))
      );
    default:
      return false;
  }
}

export function describeRequestPrincipal(who: RequestPrincipal | undefined): string {
  if (!who || typeof who !== "object") return "an anonymous caller";
  return `${who.type} ${who.id}`;
}
