/**
 * Parsing and validation of a policy document as IAM does it, producing a compiled policy:
 * operators parsed, wildcard patterns and CIDRs pre-built, keys lowercased. A document IAM
 * would refuse throws PolicyError (code MalformedPolicyDocument) with the JSON path of the
 * offending element and what would be right.
 */
import { PolicyError } from "../errors.js";
import { isRecord } from "../shared/is-record.js";
import { compileCondition, describeType } from "./conditions.js";
import { firstDuplicateKey } from "./duplicate-keys.js";
import { CompiledStatement, Policy } from "./evaluate.js";
import { IAM_POLICY_TEXTS } from "./iam-texts.js";
import { childPath } from "./json-path.js";
import { parseOperator } from "./operators.js";
import { compilePrincipal } from "./principal.js";
import { policySize } from "./size.js";
import { nearest } from "./suggest.js";
import { checkTrustActions, compileActions, compileResources } from "./targets.js";
import type { CompiledPolicy, PolicyKind } from "./types.js";

const TOP_FIELDS = ["Version", "Id", "Statement"];
const STATEMENT_FIELDS = [
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
];
const VERSIONS = ["2012-10-17", "2008-10-17"];
const SID = /^[A-Za-z0-9]*$/;
const KINDS: readonly PolicyKind[] = ["trust", "identity", "resource"];

function unknownField(field: string, allowed: string[], where: string, path: string): never {
  const guess = nearest(field, allowed);
  throw new PolicyError(
    `unknown field "${field}" in ${where}` +
      (guess ? `; did you mean "${guess}"?` : `; allowed fields are ${allowed.join(", ")}`),
    childPath(path, field),
  );
}

export function compilePolicy(doc: string | unknown, opts: { kind: PolicyKind }): CompiledPolicy {
  const kind = opts?.kind;
  if (!KINDS.includes(kind)) {
    throw new PolicyError(
      `unknown policy kind ${JSON.stringify(kind)}; use "trust", "identity" or "resource"`,
      "$",
    );
  }
  let document: unknown = doc;
  if (typeof doc === "string") {
    try {
      document = JSON.parse(doc);
    } catch (e) {
      throw new PolicyError(
        `the policy is not valid JSON (${(e as Error).message}); check quotes, commas and brackets`,
        "$",
        { awsMessage: IAM_POLICY_TEXTS.invalidJson },
      );
    }
    const duplicate = firstDuplicateKey(doc);
    if (duplicate) {
      throw new PolicyError(
        `"${duplicate.key}" appears twice in one object; IAM refuses the document rather than pick one (a JSON parser would silently keep the last). Merge the two into one`,
        duplicate.path,
        { awsMessage: IAM_POLICY_TEXTS.duplicateKey },
      );
    }
  }
  if (!isRecord(document)) {
    throw new PolicyError(
      `a policy must be a JSON object with "Version" and "Statement", not ${describeType(document)}`,
      "$",
    );
  }
  for (const field of Object.keys(document)) {
    if (!TOP_FIELDS.includes(field)) unknownField(field, TOP_FIELDS, "the policy", "$");
  }
  const version = document.Version;
  if (version !== undefined && !VERSIONS.includes(version as string)) {
    throw new PolicyError(
      `Version must be "2012-10-17" (or the legacy "2008-10-17"), not ${JSON.stringify(version)}`,
      "$.Version",
      { awsMessage: IAM_POLICY_TEXTS.legacyParsing },
    );
  }
  if (document.Id !== undefined && typeof document.Id !== "string") {
    throw new PolicyError(`Id must be a string, not ${describeType(document.Id)}`, "$.Id");
  }
  // Policy variables exist only in the 2012-10-17 language; elsewhere `${…}` is literal text.
  const variables = version === "2012-10-17";

  const raw = document.Statement;
  if (raw === undefined) {
    throw new PolicyError(
      'the policy has no "Statement"; add a statement object or a list of them',
      "$.Statement",
    );
  }
  let items: { value: unknown; path: string }[];
  if (Array.isArray(raw)) {
    // Assumption [U]: IAM refuses a policy with no statements; we do too.
    if (raw.length === 0) {
      throw new PolicyError(
        "Statement must not be an empty list; add at least one statement",
        "$.Statement",
      );
    }
    items = raw.map((value, i) => ({ value, path: `$.Statement[${i}]` }));
  } else if (isRecord(raw)) {
    items = [{ value: raw, path: "$.Statement" }];
  } else {
    throw new PolicyError(
      `Statement must be an object or a list of objects, not ${describeType(raw)}`,
      "$.Statement",
    );
  }

  const sids = new Set<string>();
  const statements = items.map(({ value, path }, index) =>
    compileStatement(value, path, index, kind, variables, sids),
  );
  return new Policy(kind, document, policySize(doc), statements);
}

function compileStatement(
  raw: unknown,
  path: string,
  index: number,
  kind: PolicyKind,
  variables: boolean,
  sids: Set<string>,
): CompiledStatement {
  if (!isRecord(raw)) {
    throw new PolicyError(`a statement must be an object, not ${describeType(raw)}`, path);
  }
  for (const field of Object.keys(raw)) {
    if (!STATEMENT_FIELDS.includes(field))
      unknownField(field, STATEMENT_FIELDS, "a statement", path);
  }

  let sid: string | undefined;
  if (raw.Sid !== undefined) {
    if (typeof raw.Sid !== "string" || !SID.test(raw.Sid)) {
      throw new PolicyError(
        `Sid must contain only letters and digits (A-Z, a-z, 0-9), not ${JSON.stringify(raw.Sid)}`,
        childPath(path, "Sid"),
        { awsMessage: IAM_POLICY_TEXTS.sidNotAlphanumeric },
      );
    }
    if (raw.Sid !== "" && sids.has(raw.Sid)) {
      throw new PolicyError(
        `Sid "${raw.Sid}" is used by another statement; statement IDs in one policy must be unique`,
        childPath(path, "Sid"),
        { awsMessage: IAM_POLICY_TEXTS.sidNotUnique },
      );
    }
    if (raw.Sid !== "") sids.add(raw.Sid);
    sid = raw.Sid;
  }

  const effect = raw.Effect;
  if (effect === undefined) {
    throw new PolicyError(
      'the statement has no "Effect"; add "Effect": "Allow" or "Deny"',
      childPath(path, "Effect"),
    );
  }
  if (effect !== "Allow" && effect !== "Deny") {
    const guess =
      typeof effect === "string" && ["allow", "deny"].includes(effect.toLowerCase())
        ? ` (spelled "${effect.toLowerCase() === "allow" ? "Allow" : "Deny"}")`
        : "";
    throw new PolicyError(
      `Effect must be "Allow" or "Deny"${guess}, not ${JSON.stringify(effect)}`,
      childPath(path, "Effect"),
    );
  }

  // Principal / NotPrincipal
  const hasP = raw.Principal !== undefined;
  const hasNP = raw.NotPrincipal !== undefined;
  let principal: ReturnType<typeof compilePrincipal> | undefined;
  let notPrincipal = false;
  if (kind === "identity") {
    if (hasP || hasNP) {
      const f = hasP ? "Principal" : "NotPrincipal";
      throw new PolicyError(
        `an identity policy must not have ${f}: it applies to whoever it is attached to; remove ${f}`,
        childPath(path, f),
        { awsMessage: IAM_POLICY_TEXTS.principalInIdentity },
      );
    }
  } else {
    if (hasP && hasNP) {
      throw new PolicyError(
        "a statement takes Principal or NotPrincipal, not both",
        childPath(path, "NotPrincipal"),
      );
    }
    if (!hasP && !hasNP) {
      throw new PolicyError(
        kind === "trust"
          ? 'a trust policy statement needs "Principal", e.g. {"Federated": "arn:aws:iam::<account>:oidc-provider/<host/path>"}'
          : 'a resource policy statement needs "Principal" (or "NotPrincipal" with Deny)',
        childPath(path, "Principal"),
        { awsMessage: IAM_POLICY_TEXTS.missingPrincipal },
      );
    }
    if (hasNP && kind === "trust") {
      // AWS documents that NotPrincipal cannot be used in a role trust policy.
      throw new PolicyError(
        'a role trust policy cannot use NotPrincipal; use "Principal" and, to exclude callers, a Deny statement with a condition on aws:PrincipalArn',
        childPath(path, "NotPrincipal"),
      );
    }
    if (hasNP && effect !== "Deny") {
      throw new PolicyError(
        'NotPrincipal works only with "Effect": "Deny"; use "Principal" for an Allow',
        childPath(path, "NotPrincipal"),
      );
    }
    const f = hasP ? "Principal" : "NotPrincipal";
    principal = compilePrincipal(raw[f], childPath(path, f));
    notPrincipal = hasNP;
  }

  // Action / NotAction
  const hasA = raw.Action !== undefined;
  const hasNA = raw.NotAction !== undefined;
  if (hasA === hasNA) {
    throw new PolicyError(
      hasA
        ? "a statement takes Action or NotAction, not both"
        : 'the statement has no "Action"; add e.g. "Action": "sts:AssumeRoleWithWebIdentity"',
      childPath(path, hasA ? "NotAction" : "Action"),
      hasA ? {} : { awsMessage: IAM_POLICY_TEXTS.missingActions },
    );
  }
  const actionField = hasA ? "Action" : "NotAction";
  const actions = compileActions(raw[actionField], childPath(path, actionField), actionField);
  if (kind === "trust" && hasA) checkTrustActions(raw.Action, childPath(path, "Action"));

  // Resource / NotResource
  const hasR = raw.Resource !== undefined;
  const hasNR = raw.NotResource !== undefined;
  let resources: ReturnType<typeof compileResources> | undefined;
  if (kind === "trust") {
    if (hasR || hasNR) {
      const f = hasR ? "Resource" : "NotResource";
      throw new PolicyError(
        `a trust policy must not have ${f}: the role itself is the resource; remove ${f}`,
        childPath(path, f),
        { awsMessage: IAM_POLICY_TEXTS.prohibitedField(f) },
      );
    }
  } else {
    if (hasR === hasNR) {
      throw new PolicyError(
        hasR
          ? "a statement takes Resource or NotResource, not both"
          : 'the statement has no "Resource"; add e.g. "Resource": "*" or an ARN',
        childPath(path, hasR ? "NotResource" : "Resource"),
        hasR ? {} : { awsMessage: IAM_POLICY_TEXTS.missingResources },
      );
    }
    const f = hasR ? "Resource" : "NotResource";
    resources = compileResources(raw[f], childPath(path, f), f, variables);
  }

  // Condition
  const conditions = [];
  if (raw.Condition !== undefined) {
    const cPath = childPath(path, "Condition");
    if (!isRecord(raw.Condition)) {
      throw new PolicyError(
        `Condition must be an object of operator → {key: value}, not ${describeType(raw.Condition)}`,
        cPath,
      );
    }
    for (const [opName, block] of Object.entries(raw.Condition)) {
      const opPath = childPath(cPath, opName);
      const op = parseOperator(opName);
      if ("error" in op) throw new PolicyError(op.error, opPath);
      if (!isRecord(block)) {
        throw new PolicyError(
          `${opName} must map condition keys to values, e.g. {"aws:SourceIp": "203.0.113.0/24"}, not ${describeType(block)}`,
          opPath,
        );
      }
      for (const [key, value] of Object.entries(block)) {
        conditions.push(compileCondition(op, key, value, childPath(opPath, key), variables));
      }
    }
  }

  return new CompiledStatement(
    index,
    sid,
    effect,
    principal,
    notPrincipal,
    actions,
    !hasA,
    resources,
    hasNR,
    conditions,
  );
}
