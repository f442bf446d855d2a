/**
 * The accounts a config's OUs reach, read through AWS Organizations (as a service-managed StackSet
 * reaches them): who-can --live compares them, and deploy/status keep an account that is both
 * listed and in an OU to one provider.
 */
import { BbOidcError } from "../../errors.js";
import type { BbOidcConfig } from "../../provision/config/index.js";
import { ouMembers } from "../../provision/who-can/index.js";
import { organizationsClient } from "./aws-clients.js";

export async function membersOf(
  target: { region?: string; endpointUrl?: string },
  ous: readonly string[],
  caller: string,
): Promise<Map<string, string[]>> {
  const organizations = organizationsClient(target);
  try {
    return await ouMembers(organizations, ous, caller);
  } catch (err) {
    if (err instanceof BbOidcError) {
      throw new BbOidcError(err.code, `reading the accounts of ${ous.join(", ")}: ${err.message}`, {
        hint: "Run with credentials of the organization's management account (or a delegated administrator), or name the accounts with --account.",
      });
    }
    throw err;
  } finally {
    organizations.destroy();
  }
}

/**
 * Only a config that creates the provider for listed accounts and for OUs can place it twice in
 * one account; only then are the OUs read.
 */
export async function providerOuMembers(
  target: { region?: string; endpointUrl?: string },
  config: BbOidcConfig,
  caller: string,
): Promise<Map<string, string[]> | undefined> {
  const ous = [...new Set(config.roles.flatMap((r) => r.organizationalUnits ?? []))];
  if (!config.provider.create || ous.length === 0 || !config.roles.some((r) => r.accounts))
    return undefined;
  return membersOf(target, ous, caller);
}
