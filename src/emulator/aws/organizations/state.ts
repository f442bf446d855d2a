/**
 * The emulated organization: one per emulator, its management account fixed when it is first
 * registered (the emulator's first account), its shape derived from the OU map StackSets use.
 */
import type { AwsBackend } from "../backend.js";
import { registerOrganizationalUnits } from "../cloudformation/index.js";
import { Organizations } from "../cloudformation/organizations.js";
import {
  buildTree,
  newOrganizationRecord,
  type OrganizationRecord,
  type OrganizationTree,
} from "./tree.js";

const COLLECTION = "aws-organization";
const KEY = "organization";

/** The role AWS creates in every account it creates for an organization. */
export const ORGANIZATION_ACCESS_ROLE = "OrganizationAccountAccessRole";
const ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess";

export function organizationRecord(backend: AwsBackend): OrganizationRecord | undefined {
  return backend.store.get<OrganizationRecord>(COLLECTION, KEY);
}

/** The organization as it stands now, or undefined when the emulator has none. */
export function organizationTree(backend: AwsBackend): OrganizationTree | undefined {
  const record = organizationRecord(backend);
  if (!record) return undefined;
  return buildTree(record, new Organizations(backend.store).list());
}

/** The trust AWS writes into OrganizationAccountAccessRole: the management account, AssumeRole. */
export function organizationAccessTrust(managementAccount: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${managementAccount}:root` },
        Action: "sts:AssumeRole",
      },
    ],
  });
}

/**
 * Registers OUs (for StackSets and Organizations alike) and, the first time, the organization
 * with `managementAccount` as its management account. Every member account the emulator serves
 * gets an OrganizationAccountAccessRole with AdministratorAccess, as AWS creates it in accounts
 * made through Organizations; an existing role of that name is left as it is.
 */
export async function registerOrganization(
  backend: AwsBackend,
  ous: Readonly<Record<string, readonly string[]>>,
  options: { managementAccount: string },
): Promise<OrganizationTree> {
  await registerOrganizationalUnits(backend, ous);
  if (!organizationRecord(backend)) {
    const record = newOrganizationRecord(
      options.managementAccount,
      Object.keys(ous),
      backend.now(),
    );
    await backend.store.put(COLLECTION, KEY, record);
  }
  const tree = organizationTree(backend)!;
  for (const account of tree.accounts) {
    if (account === tree.record.managementAccount || !backend.accounts.has(account)) continue;
    if (backend.iam.listRoles(account).some((r) => r.name === ORGANIZATION_ACCESS_ROLE)) continue;
    await backend.iam.createRole(account, {
      name: ORGANIZATION_ACCESS_ROLE,
      trustPolicy: organizationAccessTrust(tree.record.managementAccount),
    });
    await backend.iam.attachRolePolicy(account, ORGANIZATION_ACCESS_ROLE, ADMINISTRATOR_ACCESS);
  }
  return tree;
}
