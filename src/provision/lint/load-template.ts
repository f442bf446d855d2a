/**
 * A CloudFormation template as lint sees it: resolved through the reader (parameters, pseudo
 * parameters, Sub, Ref, GetAtt) for one placeholder account, then each role's trust policy, its
 * permissions and each OIDC provider, with positions in the file.
 *
 * Parameters without a value are replaced by placeholders (`<param:Name>`) and reported as notes:
 * lint must work on a template nobody has filled in yet (the seed has five such parameters).
 * Rules skip judgements that depend on a placeholder's content.
 */

import { isRecord } from "../../shared/is-record.js";
import { parseRoleArn } from "../../sts/index.js";
import {
  formatPath,
  iamResources,
  type Path,
  readTemplate,
  resolveTemplate,
  type SourceLocations,
} from "../reader/index.js";
import {
  fillParameters,
  isPlaceholder,
  PLACEHOLDER_ACCOUNT,
  PLACEHOLDER_REGION,
} from "../reader/placeholders.js";
import { documentLocator, LineIndex } from "./locate.js";
import { makeTrustTarget, roleNameFrom } from "./trust-target.js";
import type {
  PermissionsView,
  Position,
  ProviderTarget,
  TemplateInfo,
  TrustTarget,
} from "./types.js";

const STACK_NAME = "bb-oidc-lint";

export interface LoadedTemplate {
  trusts: TrustTarget[];
  providers: ProviderTarget[];
  info: TemplateInfo;
}

function isIntrinsic(v: unknown): boolean {
  if (!isRecord(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::"));
}

/** `file:12:5` → position. */
function positionOf(location: string): Position | undefined {
  const m = /:(\d+):(\d+)$/.exec(location);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/**
 * The most roles the template puts in one account: a bb-oidc template says where each role goes
 * (its metadata's targets); any other template puts them all in the account it is deployed to.
 */
function rolesPerAccount(
  resources: Array<{ Type: string; Metadata?: Record<string, unknown> }>,
): number {
  const perTarget = new Map<string, number>();
  let untargeted = 0;
  for (const r of resources) {
    if (r.Type !== "AWS::IAM::Role") continue;
    const meta = r.Metadata?.["bb-oidc"];
    const targets = isRecord(meta) && isRecord(meta.targets) ? meta.targets : undefined;
    const where = targets
      ? [
          ...(Array.isArray(targets.accounts) ? targets.accounts : []),
          ...(Array.isArray(targets.organizationalUnits) ? targets.organizationalUnits : []),
        ]
      : [];
    if (where.length === 0) untargeted++;
    for (const t of where) perTarget.set(String(t), (perTarget.get(String(t)) ?? 0) + 1);
  }
  return Math.max(untargeted, ...perTarget.values());
}

export function loadTemplate(
  text: string,
  file: string,
  given: Readonly<Record<string, string>>,
): LoadedTemplate {
  const parsed = readTemplate(text, file);
  const locations = parsed.locations;
  const { parameters, placeholders } = fillParameters(parsed, given);
  const resolved = resolveTemplate(parsed, {
    parameters,
    accountId: PLACEHOLDER_ACCOUNT,
    region: PLACEHOLDER_REGION,
    stackName: STACK_NAME,
  });
  const unresolved = resolved.unresolved.map((u) => {
    const position = positionOf(u.location);
    return { path: u.path, reason: u.reason, ...(position ? { position } : {}) };
  });
  const resourcesOf = parsed.template.Resources;
  const info: TemplateInfo = {
    file,
    placeholders,
    unresolved,
    measure: {
      bytes: Buffer.byteLength(text, "utf8"),
      resources: Object.keys(resourcesOf).length,
      outputs: Object.keys(parsed.template.Outputs ?? {}).length,
    },
    generated: Object.values(resourcesOf).some((r) => isRecord(r.Metadata?.["bb-oidc"])),
    roles: rolesPerAccount(Object.values(resourcesOf)),
  };
  const iam = iamResources(resolved);
  const lines = new LineIndex(text);
  const at = (path: Path) => locations.valueAt(path);

  const providers: ProviderTarget[] = [];
  const knownClientIds = new Map<string, string[]>();
  for (const p of iam.providers) {
    const base: Path = ["Resources", p.logicalId, "Properties"];
    const position = at(["Resources", p.logicalId]);
    providers.push({
      file,
      logicalId: p.logicalId,
      ...(p.url === undefined ? {} : { url: p.url }),
      clientIds: p.clientIds,
      thumbprints: p.thumbprints,
      ...(position ? { position } : {}),
      locate: (property, index) =>
        at(index === undefined ? [...base, property] : [...base, property, index]),
    });
    if (p.url) knownClientIds.set(p.url.replace(/^https:\/\//, "").toLowerCase(), p.clientIds);
  }

  // Attached policies by the role they name (name or logical ID), built once: no role × policy scan.
  const attached = new Map<string, PermissionsView["documents"]>();
  for (const pol of iam.policies) {
    const position = at(["Resources", pol.logicalId, "Properties", "PolicyDocument"]);
    for (const roleName of pol.roles) {
      const list = attached.get(roleName) ?? [];
      list.push({
        name: pol.name ?? pol.logicalId,
        document: pol.document,
        ...(position ? { position } : {}),
      });
      attached.set(roleName, list);
    }
  }

  const trusts: TrustTarget[] = [];
  for (const role of iam.roles) {
    const id = role.logicalId;
    const props: Path = ["Resources", id, "Properties"];
    const base: Path = [...props, "AssumeRolePolicyDocument"];
    const raw = parsed.template.Resources[id]?.Properties?.AssumeRolePolicyDocument;
    const structured = isRecord(raw) && !isIntrinsic(raw);
    const basePath = formatPath(base);
    const unknown = unresolved.some(
      (u) =>
        u.path === basePath ||
        u.path.startsWith(`${basePath}.`) ||
        u.path.startsWith(`${basePath}[`),
    );
    const resource = resolved.resources[id];
    const meta = resource?.metadata?.["bb-oidc"];
    const adminOptIn = isRecord(meta) && meta.grantsAdministratorAccess === true;
    const permissions: PermissionsView = {
      managedPolicyArns: role.managedPolicyArns.map((arn, i) => {
        const position = at([...props, "ManagedPolicyArns", i]);
        return { arn, ...(position ? { position } : {}) };
      }),
      documents: [
        ...role.inlinePolicies.map((p, i) => {
          const position = at([...props, "Policies", i]);
          return {
            name: p.name ?? `Policies[${i}]`,
            document: p.document,
            ...(position ? { position } : {}),
          };
        }),
        ...(attached.get(role.name ?? "") ?? []),
        ...(role.name === id ? [] : (attached.get(id) ?? [])),
      ],
      adminOptIn,
    };
    const label =
      role.name && !isPlaceholder(role.name) ? `role ${id} (${role.name})` : `role ${id}`;
    const roleArn = role.arn && parseRoleArn(role.arn) ? role.arn : undefined;
    const position = at(base);
    trusts.push(
      makeTrustTarget({
        file,
        label,
        account: PLACEHOLDER_ACCOUNT,
        roleName: roleNameFrom(id),
        ...(roleArn ? { roleArn } : {}),
        document: unknown ? undefined : role.trustPolicy,
        locate: documentLocator(locations as SourceLocations, lines, base, structured),
        ...(position ? { position } : {}),
        placeholders: placeholders.map((p) => p.name),
        permissions,
        knownClientIds,
      }),
    );
  }
  return { trusts, providers, info };
}
