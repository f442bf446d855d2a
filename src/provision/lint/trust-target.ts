/**
 * Builds a lint target around one trust policy: the written view, the inputs worth trying, and a
 * one-role STS world (through `staticWorld`, which compiles the policy: once, and a document IAM
 * would refuse becomes a finding instead of a crash). A caller that compiled it already passes
 * the result.
 */
import { PolicyError } from "../../errors.js";
import type { CompiledPolicy } from "../../policy/index.js";
import { toIamNameChars } from "../../shared/iam-names.js";
import { type StaticProvider, staticWorld } from "../../sts/index.js";
import { trustFacts } from "../trust/attempts.js";
import { statementViews } from "../trust/statements.js";
import { fallbackAudience, NO_KEYS } from "../trust/synthetic.js";
import type { Locate, PermissionsView, Position, TrustTarget } from "./types.js";

/** A role name STS accepts in an ARN, from whatever the file calls the role. */
export function roleNameFrom(label: string): string {
  const name = toIamNameChars(label).slice(0, 64);
  return name.length > 0 ? name : "linted-role";
}

export interface TrustTargetInput {
  file: string;
  label: string;
  account: string;
  partition?: string;
  roleArn?: string;
  roleName: string;
  document: unknown;
  locate: Locate;
  position?: Position;
  placeholders?: string[];
  permissions?: PermissionsView;
  knownClientIds?: Map<string, string[]>;
  /** `document` already compiled by the caller (the audit), or why it did not compile. */
  compiled?: CompiledPolicy | PolicyError;
}

export function makeTrustTarget(input: TrustTargetInput): TrustTarget {
  const roleArn =
    input.roleArn ??
    `arn:${input.partition ?? "aws"}:iam::${input.account}:role/${roleNameFrom(input.roleName)}`;
  const facts = trustFacts(input.document);
  const knownClientIds = input.knownClientIds ?? new Map<string, string[]>();
  const target: TrustTarget = {
    file: input.file,
    label: input.label,
    account: input.account,
    roleArn,
    document: input.document,
    statements: statementViews(input.document),
    locate: input.locate,
    placeholders: input.placeholders ?? [],
    permissions: input.permissions ?? { managedPolicyArns: [], documents: [], adminOptIn: false },
    facts,
    knownClientIds,
    ...(input.position ? { position: input.position } : {}),
  };
  if (input.document === undefined) return target;
  // Providers as the statements name them, registered in the role's account (where STS looks);
  // their client IDs include every audience worth trying, so the probe tests the trust policy.
  const providers: StaticProvider[] = facts.providers.map((p) => {
    const url = p.url.toLowerCase();
    const clientIds = [
      ...(facts.audiences.get(url) ?? []),
      ...(knownClientIds.get(url) ?? []),
      fallbackAudience(p.url),
    ];
    return { account: input.account, url: p.url, partition: p.partition, clientIds };
  });
  if (input.compiled instanceof PolicyError) {
    target.compileError = input.compiled;
    return target;
  }
  try {
    const world = staticWorld({
      keys: NO_KEYS,
      providers,
      roles: [
        {
          arn: roleArn,
          trustPolicy: input.document,
          ...(input.compiled ? { compiled: input.compiled } : {}),
        },
      ],
    });
    target.world = world;
    const compiled = world.role(roleArn)?.trustPolicy;
    if (compiled) target.compiled = compiled;
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    target.compileError = err;
  }
  return target;
}
