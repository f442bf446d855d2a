/**
 * A static STS world whose roles may arrive with their trust policy already compiled: the audit
 * compiles each live role's policy once and hands the result to who-can, lint and its own
 * probes, so none of them compiles it again. Roles without one are compiled by `staticWorld`.
 */
import type { CompiledPolicy } from "../../policy/index.js";
import {
  parseRoleArn,
  type RoleRecord,
  type StaticProvider,
  type StaticRole,
  type StsWorld,
  staticWorld,
  syntheticRoleId,
} from "../../sts/index.js";
import { NO_KEYS } from "./synthetic.js";

export interface MaybeCompiledRole extends StaticRole {
  /** `trustPolicy` compiled (as a trust policy) by the caller. */
  compiled?: CompiledPolicy;
}

export function worldWithCompiled(input: {
  providers: StaticProvider[];
  roles: readonly MaybeCompiledRole[];
}): StsWorld {
  const world = staticWorld({
    providers: input.providers,
    roles: input.roles.filter((r) => r.compiled === undefined),
    keys: NO_KEYS,
  });
  const given = new Map<string, RoleRecord>();
  for (const r of input.roles) {
    if (r.compiled === undefined) continue;
    given.set(r.arn, {
      arn: r.arn,
      name: parseRoleArn(r.arn)?.name ?? r.arn,
      roleId: r.roleId ?? syntheticRoleId(r.arn),
      trustPolicy: r.compiled,
      maxSessionDuration: r.maxSessionDuration ?? 3600,
    });
  }
  if (given.size === 0) return world;
  const compiledHere = world.role.bind(world);
  world.role = (arn) => given.get(arn) ?? compiledHere(arn);
  return world;
}
