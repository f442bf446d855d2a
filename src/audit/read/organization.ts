/**
 * The accounts of an AWS Organization: all of them (ListAccounts), or those under given OUs and
 * their nested OUs (ListAccountsForParent, ListOrganizationalUnitsForParent), each with the OU
 * path it sits in. Only the management account (or a delegated administrator) may list them.
 */
import {
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
} from "@aws-sdk/client-organizations";
import { BbOidcError, InputError } from "../../errors.js";
import { describeAwsError } from "./enter.js";

export interface OrganizationAccount {
  id: string;
  name?: string;
  status: string;
  /** OU IDs from the root down to the account's parent, when the tree was walked. */
  ous?: string[];
  /** Their names. */
  ouNames?: string[];
}

export interface OrganizationListing {
  id: string;
  managementAccount: string;
  accounts: OrganizationAccount[];
}

const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

function refusal(err: unknown, account: string | undefined, ou: string | undefined): never {
  const name = (err as { name?: string }).name;
  if (name === "ParentNotFoundException" && ou) {
    throw new InputError(
      `--ou: the organization has no root or OU "${ou}" (ParentNotFoundException).`,
      {
        hint: "List the OUs with `aws organizations list-organizational-units-for-parent --parent-id <root ID>` (the root ID from `aws organizations list-roots`).",
      },
    );
  }
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
      "ERR_AWS_REFUSED",
      `--organization: ${account ? `account ${account}` : "this account"} may not list the organization's accounts (AccessDeniedException).`,
      {
        actual: "AccessDeniedException",
        hint: "Run the audit with credentials of the management account or of a delegated administrator (organizations:ListAccounts, ListAccountsForParent, ListOrganizationalUnitsForParent), or give --accounts.",
      },
    );
  }
  if (err instanceof BbOidcError || !name || !(err as { $metadata?: unknown }).$metadata) throw err;
  // Any other answer from AWS (throttled past the retries, a fault): said as AWS said it.
  throw new BbOidcError(
    "ERR_AWS_REFUSED",
    `--organization: reading the organization failed: ${describeAwsError(err)}.`,
    {
      actual: name,
      hint: "Try again (--max-attempts raises the retries); if it persists, check the Organizations service health.",
    },
  );
}

async function all<P, T>(
  pages: AsyncIterable<P>,
  items: (page: P) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

export async function listOrganization(
  client: OrganizationsClient,
  options: { ous?: readonly string[]; callerAccount?: string } = {},
): Promise<OrganizationListing> {
  for (const ou of options.ous ?? []) {
    if (!OU_ID.test(ou) && !/^r-[0-9a-z]{4,32}$/.test(ou)) {
      throw new InputError(
        `--ou: "${ou}" is not an organizational unit ID (ou-xxxx-xxxxxxxx) or a root ID (r-xxxx).`,
      );
    }
  }
  /** The --ou being walked, for a ParentNotFoundException. */
  let current: string | undefined;
  try {
    const org = (await client.send(new DescribeOrganizationCommand({}))).Organization!;
    const listing: OrganizationListing = {
      id: org.Id!,
      managementAccount: org.MasterAccountId!,
      accounts: [],
    };
    const seen = new Map<string, OrganizationAccount>();
    const walk = async (parent: string, path: string[], names: string[]) => {
      const accounts = await all(
        paginateListAccountsForParent({ client }, { ParentId: parent }),
        (p) => p.Accounts,
      );
      for (const a of accounts) {
        if (seen.has(a.Id!)) continue;
        seen.set(a.Id!, {
          id: a.Id!,
          status: a.Status ?? "ACTIVE",
          ous: path,
          ouNames: names,
          ...(a.Name ? { name: a.Name } : {}),
        });
      }
      const ous = await all(
        paginateListOrganizationalUnitsForParent({ client }, { ParentId: parent }),
        (p) => p.OrganizationalUnits,
      );
      for (const ou of ous) await walk(ou.Id!, [...path, ou.Id!], [...names, ou.Name ?? ou.Id!]);
    };
    if (options.ous && options.ous.length > 0) {
      for (const ou of options.ous) {
        current = ou;
        await walk(ou, ou.startsWith("r-") ? [] : [ou], ou.startsWith("r-") ? [] : [ou]);
      }
      current = undefined;
    } else {
      // Every account, and the tree for the OU path each sits in (drift by OU, the report).
      const listed = await all(paginateListAccounts({ client }, {}), (p) => p.Accounts);
      for (const root of await all(paginateListRoots({ client }, {}), (p) => p.Roots)) {
        await walk(root.Id!, [], []);
      }
      for (const a of listed) {
        if (seen.has(a.Id!)) continue;
        seen.set(a.Id!, {
          id: a.Id!,
          status: a.Status ?? "ACTIVE",
          ...(a.Name ? { name: a.Name } : {}),
        });
      }
    }
    listing.accounts = [...seen.values()];
    return listing;
  } catch (err) {
    refusal(err, options.callerAccount, current);
  }
}
