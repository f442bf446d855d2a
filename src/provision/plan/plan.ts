/**
 * The deployment plan of a config: which stacks or StackSets exist, what each holds, and where
 * each role ends up. The mechanism (docs/decisions.md, "Deploying a config"):
 *
 * - every role in the caller's own account: stacks in that account;
 * - otherwise StackSets: the provider in its own StackSet(s) (self-managed for accounts,
 *   service-managed for OUs), account roles in self-managed StackSets whose instances are the
 *   accounts of their roles, each role kept to its accounts by a Condition on AWS::AccountId,
 *   and roles of each OU set in a service-managed StackSet targeting those OUs.
 *
 * Units beyond a template's limits are split (shards.ts); what is deployed already keeps its
 * place.
 */
import { createHash } from "node:crypto";
import type { BbOidcConfig } from "../config/types.js";
import type { CfnTemplate } from "../reader/types.js";
import { type BuildOptions, buildTemplate } from "../template/build-template.js";
import { renderTemplate, type TemplateFormat } from "../template/render-template.js";
import {
  checkTemplate,
  type LimitCheck,
  TEMPLATE_BODY_BYTES,
  TEMPLATE_URL_BYTES,
  type TemplateMeasure,
} from "./limits.js";
import { measureTemplate, RoleSizer } from "./measure.js";
import { placementOf } from "./placement.js";
import { shardRoles } from "./shards.js";

export type Mechanism = "stacks" | "stacksets";

export interface Unit {
  name: string;
  kind: "stack" | "stackset";
  permissionModel?: "SELF_MANAGED" | "SERVICE_MANAGED";
  /** The stack's account, or a self-managed StackSet's instance accounts. */
  accounts: string[];
  /** A service-managed StackSet's OUs. */
  organizationalUnits: string[];
  provider: boolean;
  /** Role names, in config order. */
  roles: string[];
  template: CfnTemplate;
  body: string;
  measure: TemplateMeasure;
  transport: "inline" | "s3";
  limits: LimitCheck[];
}

export interface PlanInput {
  config: BbOidcConfig;
  /** `--stack-name`: the name every unit's name starts with. */
  baseName: string;
  mechanism: Mechanism;
  /** The account the caller's credentials belong to (stacks go there). */
  callerAccount: string;
  /** `s3` when a bucket was given: units may then be up to 1 MB. */
  transport: "inline" | "s3";
  format?: TemplateFormat;
  /** Deployed units: name → role names each holds. */
  existing?: ReadonlyMap<string, readonly string[]>;
  /**
   * The accounts each targeted OU reaches. An account both listed and in such an OU gets its
   * provider from the OUs' provider StackSet only: IAM holds one provider per URL per account.
   */
  ouAccounts?: ReadonlyMap<string, readonly string[]>;
  build?: Omit<BuildOptions, "unit">;
}

export interface AccountPlan {
  account: string;
  roles: string[];
  /** Created by this deployment, or referenced (it exists already). */
  provider: "created" | "referenced";
  units: string[];
}

export interface OuPlan {
  organizationalUnits: string[];
  roles: string[];
  provider: "created" | "referenced";
  units: string[];
}

export interface DeployPlan {
  mechanism: Mechanism;
  units: Unit[];
  accounts: AccountPlan[];
  ous: OuPlan[];
  /** Deployed units the config no longer needs: deleted by the deployment. */
  removals: string[];
}

/** The names this deployment owns: `base`, `base-N`, `base-provider…`, `base-ou-<hash>[-N]`. */
export function ownsUnit(baseName: string, name: string): boolean {
  if (!name.startsWith(baseName)) return false;
  return /^(-\d+|-provider(-ous)?|-ou-[0-9a-f]{8}(-\d+)?)?$/.test(name.slice(baseName.length));
}

function shardName(prefix: string, n: number): string {
  return n === 1 ? prefix : `${prefix}-${n}`;
}

function existingShards(
  prefix: string,
  existing: ReadonlyMap<string, readonly string[]>,
): Map<number, readonly string[]> {
  const out = new Map<number, readonly string[]>();
  for (const [name, roles] of existing) {
    if (name === prefix) out.set(1, roles);
    else if (name.startsWith(`${prefix}-`) && /^\d+$/.test(name.slice(prefix.length + 1)))
      out.set(Number(name.slice(prefix.length + 1)), roles);
  }
  return out;
}

export function ouGroupName(baseName: string, ous: readonly string[]): string {
  return `${baseName}-ou-${createHash("sha256").update(ous.join(",")).digest("hex").slice(0, 8)}`;
}

export function planDeployment(input: PlanInput): DeployPlan {
  const { config, baseName, mechanism } = input;
  const format = input.format ?? "yaml";
  const build = input.build ?? {};
  const existing = input.existing ?? new Map();
  const maxBytes = input.transport === "s3" ? TEMPLATE_URL_BYTES : TEMPLATE_BODY_BYTES;
  const placement = placementOf(config);
  const creates = config.provider.create;
  const units: Unit[] = [];
  const unit = (
    spec: Omit<Unit, "template" | "body" | "measure" | "transport" | "limits">,
    accountConditions: boolean,
  ): Unit => {
    const template = buildTemplate(config, {
      ...build,
      unit: { roles: spec.roles, provider: spec.provider, accountConditions },
    });
    const body = renderTemplate(template, format);
    const measure = measureTemplate(template, body);
    const transport = measure.bytes <= TEMPLATE_BODY_BYTES ? "inline" : "s3";
    return {
      ...spec,
      template,
      body,
      measure,
      transport,
      limits: checkTemplate(measure, transport),
    };
  };

  const allOus = [...new Set(placement.ouGroups.flatMap((g) => g.ous))].sort();
  const inOus = new Set(allOus.flatMap((ou) => input.ouAccounts?.get(ou) ?? []));
  if (mechanism === "stacks") {
    const foreign = config.roles.filter(
      (r) => !r.accounts || r.accounts.some((a) => a !== input.callerAccount),
    );
    if (foreign.length > 0) {
      throw new Error(
        `stacks deploy to the caller's account only; role ${foreign[0]!.name} goes elsewhere`,
      );
    }
    const sizer = new RoleSizer(config, format, build, false);
    for (const s of shardRoles({
      roles: config.roles,
      existing: existingShards(baseName, existing),
      maxBytes,
      sizer,
      providerInFirst: creates,
    })) {
      if (s.roles.length === 0 && !s.provider) continue;
      units.push(
        unit(
          {
            name: shardName(baseName, s.number),
            kind: "stack",
            accounts: [input.callerAccount],
            organizationalUnits: [],
            provider: s.provider,
            roles: s.roles.map((r) => r.name),
          },
          false,
        ),
      );
    }
  } else {
    const accountList = [...placement.accounts.keys()].filter((a) => !inOus.has(a)).sort();
    if (creates && accountList.length > 0) {
      units.push(
        unit(
          {
            name: `${baseName}-provider`,
            kind: "stackset",
            permissionModel: "SELF_MANAGED",
            accounts: accountList,
            organizationalUnits: [],
            provider: true,
            roles: [],
          },
          false,
        ),
      );
    }
    if (creates && allOus.length > 0) {
      units.push(
        unit(
          {
            name: `${baseName}-provider-ous`,
            kind: "stackset",
            permissionModel: "SERVICE_MANAGED",
            accounts: [],
            organizationalUnits: allOus,
            provider: true,
            roles: [],
          },
          false,
        ),
      );
    }
    const accountSizer = new RoleSizer(config, format, build, true);
    for (const s of shardRoles({
      roles: placement.accountRoles,
      existing: existingShards(baseName, existing),
      maxBytes,
      sizer: accountSizer,
      providerInFirst: false,
    })) {
      if (s.roles.length === 0) continue;
      units.push(
        unit(
          {
            name: shardName(baseName, s.number),
            kind: "stackset",
            permissionModel: "SELF_MANAGED",
            accounts: [...new Set(s.roles.flatMap((r) => r.accounts ?? []))].sort(),
            organizationalUnits: [],
            provider: false,
            roles: s.roles.map((r) => r.name),
          },
          true,
        ),
      );
    }
    const ouSizer = new RoleSizer(config, format, build, false);
    for (const group of placement.ouGroups) {
      const prefix = ouGroupName(baseName, group.ous);
      for (const s of shardRoles({
        roles: group.roles,
        existing: existingShards(prefix, existing),
        maxBytes,
        sizer: ouSizer,
        providerInFirst: false,
      })) {
        if (s.roles.length === 0) continue;
        units.push(
          unit(
            {
              name: shardName(prefix, s.number),
              kind: "stackset",
              permissionModel: "SERVICE_MANAGED",
              accounts: [],
              organizationalUnits: group.ous,
              provider: false,
              roles: s.roles.map((r) => r.name),
            },
            false,
          ),
        );
      }
    }
  }

  const unitsOfRole = new Map<string, string[]>();
  for (const u of units)
    for (const r of u.roles) unitsOfRole.set(r, [...(unitsOfRole.get(r) ?? []), u.name]);
  const providerUnits = units.filter((u) => u.provider).map((u) => u.name);
  const accounts: AccountPlan[] = [...placement.accounts.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([account, roles]) => ({
      account,
      roles: roles.map((r) => r.name),
      provider: creates ? "created" : "referenced",
      units: [
        ...new Set([
          ...providerUnits.filter((n) => n.endsWith("-provider-ous") === inOus.has(account)),
          ...roles.flatMap((r) => unitsOfRole.get(r.name) ?? []),
        ]),
      ],
    }));
  const ous: OuPlan[] = placement.ouGroups.map((g) => ({
    organizationalUnits: g.ous,
    roles: g.roles.map((r) => r.name),
    provider: creates ? "created" : "referenced",
    units: [
      ...new Set([
        ...providerUnits.filter((n) => n.endsWith("-provider-ous")),
        ...g.roles.flatMap((r) => unitsOfRole.get(r.name) ?? []),
      ]),
    ],
  }));
  const planned = new Set(units.map((u) => u.name));
  const removals = [...existing.keys()]
    .filter((n) => ownsUnit(baseName, n) && !planned.has(n))
    .sort();
  return { mechanism, units, accounts, ous, removals };
}
