/**
 * The accounts of an AWS Organization: all of them (ListAccounts), or those under given OUs and
 * their nested OUs (ListAccountsForParent, ListOrganizationalUnitsForParent), each with the OU
 * path it sits in. Only the management account (or a delegated administrator) may list them.
 */
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { BbOidcError, InputError } from "../../errors.js";

export interface OrganizationAccount {
  id: string;
  name?: string;
  status: string;
  /** OU IDs from the root down to the account's parent, when the tree was walked. */
  ous?: string[];
}

export interface OrganizationListing {
  id: string;
  managementAccount: string;
  accounts: OrganizationAccount[];
}

const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

function refusal(err: unknown, account: string | undefined): never {
  const name = (err as { name?: string }).name;
  if (name === "AWSOrganizationsNotInUseException") {
    throw new InputError(
      `--organization: ${account ? `account ${account}` : "this account"} is not a member of an AWS Organization.`,
      {
        hint: "Audit a list of accounts with --accounts instead.",
      },
    );
  }
  if (name === "AccessDeniedException") {
    throw new BbOidcError(
      "ERR_AUDIT_ORGANIZATION",
      `--organization: ${account ? `account ${account}` : "this account"} may not list the organization's accounts (AccessDeniedException).`,
      {
        hint: "Run the audit with credentials of the management account or of a delegated administrator (organizations:ListAccounts, ListAccountsForParent, ListOrganizationalUnitsForParent), or give --accounts.",
      },
    );
  }
  throw err;
}

async function all<T>(
  fetch: (token?: string) => Promise<{ items?: T[]; next?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await fetch(token);
    out.push(...(p.items ?? []));
    token = p.next;
  } while (token);
  return out;
}

export async function listOrganization(
  client: OrganizationsClient,
  options: { ous?: readonly string[]; walkTree?: boolean; callerAccount?: string } = {},
): Promise<OrganizationListing> {
  for (const ou of options.ous ?? []) {
    if (!OU_ID.test(ou) && !/^r-[0-9a-z]{4,32}$/.test(ou)) {
      throw new InputError(
        `--ou: "${ou}" is not an organizational unit ID (ou-xxxx-xxxxxxxx) or a root ID (r-xxxx).`,
      );
    }
  }
  try {
    const org = (await client.send(new DescribeOrganizationCommand({}))).Organization!;
    const listing: OrganizationListing = {
      id: org.Id!,
      managementAccount: org.MasterAccountId!,
      accounts: [],
    };
    const seen = new Map<string, OrganizationAccount>();
    const walk = async (parent: string, path: string[]) => {
      const accounts = await all(async (NextToken) => {
        const r = await client.send(
          new ListAccountsForParentCommand({
            ParentId: parent,
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        return { items: r.Accounts, ...(r.NextToken ? { next: r.NextToken } : {}) };
      });
      for (const a of accounts) {
        if (seen.has(a.Id!)) continue;
        const entry: OrganizationAccount = {
          id: a.Id!,
          status: a.Status ?? "ACTIVE",
          ous: path,
          ...(a.Name ? { name: a.Name } : {}),
        };
        seen.set(a.Id!, entry);
      }
      const ous = await all(async (NextToken) => {
        const r = await client.send(
          new ListOrganizationalUnitsForParentCommand({
            ParentId: parent,
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        return { items: r.OrganizationalUnits, ...(r.NextToken ? { next: r.NextToken } : {}) };
      });
      for (const ou of ous) await walk(ou.Id!, [...path, ou.Id!]);
    };
    if (options.ous && options.ous.length > 0) {
      for (const ou of options.ous) await walk(ou, ou.startsWith("r-") ? [] : [ou]);
    } else if (options.walkTree) {
      const roots = await all(async (NextToken) => {
        const r = await client.send(new ListRootsCommand({ ...(NextToken ? { NextToken } : {}) }));
        return { items: r.Roots, ...(r.NextToken ? { next: r.NextToken } : {}) };
      });
      for (const root of roots) await walk(root.Id!, []);
    } else {
      const accounts = await all(async (NextToken) => {
        const r = await client.send(
          new ListAccountsCommand({ ...(NextToken ? { NextToken } : {}) }),
        );
        return { items: r.Accounts, ...(r.NextToken ? { next: r.NextToken } : {}) };
      });
      for (const a of accounts)
        seen.set(a.Id!, {
          id: a.Id!,
          status: a.Status ?? "ACTIVE",
          ...(a.Name ? { name: a.Name } : {}),
        });
    }
    listing.accounts = [...seen.values()];
    return listing;
  } catch (err) {
    refusal(err, options.callerAccount);
  }
}
