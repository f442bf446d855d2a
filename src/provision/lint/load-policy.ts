/**
 * A policy file: a trust policy document, or a role-like object holding one — CloudFormation
 * role properties (`AssumeRolePolicyDocument`, `ManagedPolicyArns`, `Policies`), a resource
 * (`Type: AWS::IAM::Role`), or `aws iam get-role` output (`{"Role": {…}}`, where the document may
 * be URL-encoded as the IAM API returns it).
 */

import { InputError } from "../../errors.js";
import { firstDuplicateKey } from "../../policy/duplicate-keys.js";
import { isRecord } from "../../shared/is-record.js";
import { parseRoleArn } from "../../sts/index.js";
import { type Path, parseLocatedYaml } from "../reader/index.js";
import { PLACEHOLDER_ACCOUNT } from "../reader/placeholders.js";
import { parseProviderArn, statementViews } from "../trust/statements.js";
import { documentLocator, LineIndex } from "./locate.js";
import { makeTrustTarget, roleNameFrom } from "./trust-target.js";
import type { PermissionsView, TrustTarget } from "./types.js";

/** Where the role's fields are, inside the file. */
function roleBase(value: Record<string, unknown>): Path | undefined {
  if ("Statement" in value) return undefined;
  if (isRecord(value.Role)) return ["Role"];
  if (value.Type === "AWS::IAM::Role" && isRecord(value.Properties)) return ["Properties"];
  if ("AssumeRolePolicyDocument" in value) return [];
  return undefined;
}

function parseDocumentString(text: string, file: string): unknown {
  const decoded = /^\s*%7B/i.test(text) ? decodeURIComponent(text) : text;
  let value: unknown;
  try {
    value = JSON.parse(decoded);
  } catch (err) {
    throw new InputError(
      `${file}: AssumeRolePolicyDocument is a string but not JSON: ${(err as Error).message}.`,
    );
  }
  // JSON.parse keeps the last of a repeated key; IAM refuses the document.
  const duplicate = firstDuplicateKey(decoded);
  if (duplicate) {
    throw new InputError(
      `${file}: AssumeRolePolicyDocument names "${duplicate.key}" twice in one object (at ${duplicate.path}); IAM refuses such a policy (MalformedPolicyDocument).`,
    );
  }
  return value;
}

export function loadPolicyFile(text: string, file: string): TrustTarget {
  if (text.trimStart().startsWith("{")) {
    try {
      JSON.parse(text);
    } catch (err) {
      throw new InputError(`${file} is not valid JSON: ${(err as Error).message}.`);
    }
  }
  const doc = parseLocatedYaml(text, file);
  const problem = doc.problems[0];
  if (problem) {
    const where = problem.position
      ? `${file}:${problem.position.line}:${problem.position.column}`
      : file;
    throw new InputError(`${where}: ${problem.message}`);
  }
  if (!isRecord(doc.value))
    throw new InputError(`${file}: expected a JSON object (a trust policy or a role).`);
  const lines = new LineIndex(text);
  const root = doc.value;
  const base = roleBase(root);
  const role =
    base === undefined
      ? undefined
      : base.length === 0
        ? root
        : (root[base[0] as string] as Record<string, unknown>);

  let document: unknown = root;
  let docPath: Path = [];
  let structured = true;
  if (role) {
    docPath = [...base!, "AssumeRolePolicyDocument"];
    const raw = role.AssumeRolePolicyDocument;
    if (typeof raw === "string") {
      document = parseDocumentString(raw, file);
      structured = false;
    } else {
      document = raw;
    }
  }

  const arn = role && typeof role.Arn === "string" && parseRoleArn(role.Arn) ? role.Arn : undefined;
  const name =
    role && typeof role.RoleName === "string"
      ? role.RoleName
      : file.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "");
  // The role's account: from its ARN, else the account of the provider it trusts.
  const federatedAccount = statementViews(document)
    .flatMap((s) => s.federated)
    .map((f) => parseProviderArn(f)?.account)
    .find((a) => a !== undefined && /^\d{12}$/.test(a));
  const account = arn ? parseRoleArn(arn)!.account : (federatedAccount ?? PLACEHOLDER_ACCOUNT);

  const permissions: PermissionsView = { managedPolicyArns: [], documents: [], adminOptIn: false };
  if (role) {
    const props = base!;
    const managed = Array.isArray(role.ManagedPolicyArns) ? role.ManagedPolicyArns : [];
    managed.forEach((m, i) => {
      if (typeof m !== "string") return;
      const position = doc.locations.valueAt([...props, "ManagedPolicyArns", i]);
      permissions.managedPolicyArns.push({ arn: m, ...(position ? { position } : {}) });
    });
    const inline = Array.isArray(role.Policies) ? role.Policies : [];
    inline.forEach((p, i) => {
      if (!isRecord(p)) return;
      const position = doc.locations.valueAt([...props, "Policies", i]);
      const d =
        typeof p.PolicyDocument === "string"
          ? parseDocumentString(p.PolicyDocument, file)
          : p.PolicyDocument;
      permissions.documents.push({
        name: typeof p.PolicyName === "string" ? p.PolicyName : `Policies[${i}]`,
        document: d,
        ...(position ? { position } : {}),
      });
    });
  }
  const position = doc.locations.valueAt(docPath);
  return makeTrustTarget({
    file,
    label: role ? `role ${name}` : `trust policy ${file}`,
    account,
    roleName: roleNameFrom(name),
    ...(arn ? { roleArn: arn } : {}),
    document,
    locate: documentLocator(doc.locations, lines, docPath, structured),
    ...(position ? { position } : {}),
    permissions,
  });
}
