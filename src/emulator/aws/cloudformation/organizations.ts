import type { Store } from "../../store/types.js";
import { validationError } from "./errors.js";
import { CFN_COLLECTIONS } from "./records.js";

/** `ou-` IDs as AWS Organizations spells them; `r-` is an organization root. */
export const OU_PATTERN = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

interface OuRecord {
  id: string;
  accounts: string[];
}

/**
 * The emulator's stand-in for AWS Organizations, which service-managed StackSets ask which
 * accounts an OU holds. The emulator has no Organizations API: membership is given when the
 * emulator starts (the `organizations: { "ou-ab12-cdef3456": ["111111111111", …] }` option, or
 * `register()` in-process) and kept in the store. Membership is direct: an OU ID maps to its
 * accounts, nested OUs are written out by the caller. An ID not registered is an error, so a
 * typo never deploys to nothing silently.
 */
export class Organizations {
  constructor(private readonly store: Store) {}

  /** Adds or replaces OUs. Account IDs must be 12 digits. */
  async register(map: Readonly<Record<string, readonly string[]>>): Promise<void> {
    const ops = Object.entries(map).map(([id, accounts]) => {
      if (!OU_PATTERN.test(id)) {
        throw new Error(
          `organizational unit ID ${JSON.stringify(id)} must look like ou-ab12-cdef3456 or r-ab12`,
        );
      }
      for (const a of accounts) {
        if (!/^\d{12}$/.test(a))
          throw new Error(`${id}: account ID ${JSON.stringify(a)} is not 12 digits`);
      }
      const value: OuRecord = { id, accounts: [...new Set(accounts)] };
      return { op: "put" as const, collection: CFN_COLLECTIONS.organizations, key: id, value };
    });
    await this.store.batch(ops);
  }

  list(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const r of this.store.list<OuRecord>(CFN_COLLECTIONS.organizations))
      out[r.id] = r.accounts;
    return out;
  }

  /** The accounts of an OU, or a ValidationError naming how to register it. */
  accountsOf(ou: string): string[] {
    const r = this.store.get<OuRecord>(CFN_COLLECTIONS.organizations, ou);
    if (!r) {
      throw validationError(
        `OrganizationalUnitIds: ${ou} is not an organizational unit known to the emulator; register it with the emulator's organizations option.`,
      );
    }
    return r.accounts;
  }
}
