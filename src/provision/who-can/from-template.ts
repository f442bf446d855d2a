/**
 * who-can inputs from a CloudFormation template (resolved once per account) or from bb-oidc.yaml
 * (built into a template first; each role is asked about in the accounts the config targets).
 */
import { InputError } from "../../errors.js";
import { parseRoleArn } from "../../sts/index.js";
import { type BbOidcConfig, loadConfig } from "../config/index.js";
import {
  type CfnTemplate,
  iamResources,
  type ParsedTemplate,
  readTemplate,
  resolveTemplate,
} from "../reader/index.js";
import { fillParameters, PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION } from "../reader/placeholders.js";
import { buildTemplate, roleLogicalIds } from "../template/index.js";
import type { WhoCanProvider, WhoCanRole } from "./types.js";

export interface RolesAndProviders {
  roles: WhoCanRole[];
  providers: WhoCanProvider[];
  /** Parameters that had no value and were replaced by placeholders. */
  placeholders: string[];
}

const STACK_NAME = "bb-oidc-who-can";

function checkAccounts(accounts: readonly string[]): void {
  for (const a of accounts) {
    if (!/^\d{12}$/.test(a))
      throw new InputError(`--account: "${a}" is not a 12-digit AWS account ID.`);
  }
}

/**
 * Resolves `parsed` for `account` and keeps the roles `include` accepts (all by default). Roles
 * whose trust policy cannot be resolved offline are an input error: the matrix would be a guess.
 */
function rolesIn(
  parsed: ParsedTemplate,
  account: string,
  parameters: Record<string, string>,
  include: (logicalId: string) => boolean = () => true,
): { roles: WhoCanRole[]; providers: WhoCanProvider[] } {
  const resolved = resolveTemplate(parsed, {
    parameters,
    accountId: account,
    region: PLACEHOLDER_REGION,
    stackName: STACK_NAME,
  });
  const blocked = resolved.unresolved.find((u) => u.path.includes(".AssumeRolePolicyDocument"));
  if (blocked) {
    throw new InputError(
      `${blocked.location}: ${blocked.path} cannot be resolved offline (${blocked.reason}); who-can needs every trust policy written out.`,
    );
  }
  const iam = iamResources(resolved);
  const roles: WhoCanRole[] = [];
  for (const r of iam.roles) {
    if (!include(r.logicalId)) continue;
    const arn =
      r.arn && parseRoleArn(r.arn) ? r.arn : `arn:aws:iam::${account}:role/${r.logicalId}`;
    roles.push({
      name: r.name && parseRoleArn(arn) ? r.name : r.logicalId,
      logicalId: r.logicalId,
      account,
      roleArn: arn,
      trustPolicy: r.trustPolicy,
      ...(r.maxSessionDuration ? { maxSessionDuration: r.maxSessionDuration } : {}),
    });
  }
  const providers: WhoCanProvider[] = iam.providers
    .filter((p) => p.url !== undefined)
    .map((p) => ({ account, url: p.url!, clientIds: p.clientIds }));
  return { roles, providers };
}

export function fromTemplateText(
  text: string,
  file: string,
  options: { parameters?: Readonly<Record<string, string>>; accounts?: readonly string[] } = {},
): RolesAndProviders {
  const accounts = options.accounts?.length
    ? [...new Set(options.accounts)]
    : [PLACEHOLDER_ACCOUNT];
  checkAccounts(accounts);
  const parsed = readTemplate(text, file);
  const { parameters, placeholders } = fillParameters(parsed, options.parameters ?? {});
  const out: RolesAndProviders = {
    roles: [],
    providers: [],
    placeholders: placeholders.map((p) => p.name),
  };
  for (const account of accounts) {
    const r = rolesIn(parsed, account, parameters);
    out.roles.push(...r.roles);
    out.providers.push(...r.providers);
  }
  return out;
}

export interface FromConfigOptions {
  accounts?: readonly string[];
  egressRanges?: readonly string[];
  /**
   * The accounts in each OU (as a service-managed StackSet reaches them). Without it, OU roles go
   * to the --account accounts, or to the placeholder.
   */
  ouAccounts?: ReadonlyMap<string, readonly string[]>;
}

export function fromConfig(
  config: BbOidcConfig,
  options: FromConfigOptions = {},
): RolesAndProviders {
  const only = options.accounts?.length ? new Set(options.accounts) : undefined;
  if (only) checkAccounts([...only]);
  const template: CfnTemplate = buildTemplate(
    config,
    options.egressRanges ? { egressRanges: options.egressRanges } : {},
  );
  const parsed: ParsedTemplate = readTemplate(
    JSON.stringify(template),
    "bb-oidc.yaml (built template)",
  );
  const ids = roleLogicalIds(config.roles.map((r) => r.name));
  // Which roles each account gets: listed accounts; OU roles go to --account accounts (or the placeholder).
  const ouAccounts = only ? [...only] : [PLACEHOLDER_ACCOUNT];
  const byAccount = new Map<string, Set<string>>();
  config.roles.forEach((role, i) => {
    const targets =
      role.accounts ??
      (options.ouAccounts
        ? [
            ...new Set(
              (role.organizationalUnits ?? []).flatMap((ou) => options.ouAccounts?.get(ou) ?? []),
            ),
          ]
        : ouAccounts);
    for (const account of targets) {
      if (only && !only.has(account)) continue;
      const set = byAccount.get(account) ?? new Set<string>();
      set.add(ids[i]!);
      byAccount.set(account, set);
    }
  });
  const out: RolesAndProviders = { roles: [], providers: [], placeholders: [] };
  for (const [account, logicalIds] of byAccount) {
    const r = rolesIn(parsed, account, {}, (id) => logicalIds.has(id));
    out.roles.push(...r.roles);
    out.providers.push(...r.providers);
  }
  return out;
}

export function fromConfigText(
  text: string,
  file: string,
  options: FromConfigOptions = {},
): RolesAndProviders {
  return fromConfig(loadConfig(text, file), options);
}
