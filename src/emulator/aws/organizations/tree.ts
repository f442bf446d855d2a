/**
 * The organization's shape, derived from the OU map the emulator already keeps for StackSets
 * (`OU ID → member accounts`, nested OUs written out by the caller). Nesting is inferred from set
 * inclusion: an OU whose accounts are all in another OU's list is its child (the smallest such
 * OU; equal lists nest in ID order). An account's parent is the smallest OU that lists it; an
 * account no OU lists (but an `r-` entry does) sits under the root. docs/decisions.md explains.
 */
import { createHash } from "node:crypto";

export interface OrganizationRecord {
  id: string;
  rootId: string;
  managementAccount: string;
  /** ISO 8601; the JoinedTimestamp of every member. */
  createdAt: string;
}

export interface OuNode {
  id: string;
  parent: string;
}

export interface OrganizationTree {
  record: OrganizationRecord;
  /** OUs in registration order. */
  ous: OuNode[];
  ouById: Map<string, OuNode>;
  /** Member accounts: the management account first, then in the order the map names them. */
  accounts: string[];
  parentOf: Map<string, string>;
}

const ALPHANUM = "abcdefghijklmnopqrstuvwxyz0123456789";

function derivedId(seed: string, length: number): string {
  const h = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHANUM[h[i]! % ALPHANUM.length];
  return out;
}

/** A fresh organization record for `managementAccount`, its root named by the OU IDs when they agree. */
export function newOrganizationRecord(
  managementAccount: string,
  ouIds: readonly string[],
  nowMs: number,
): OrganizationRecord {
  const explicitRoot = ouIds.find((id) => id.startsWith("r-"));
  // `ou-ab12-…` lives in root `r-ab12` in AWS: take the root from the OUs when they agree.
  const roots = new Set(
    ouIds.filter((id) => id.startsWith("ou-")).map((id) => `r-${id.split("-")[1]}`),
  );
  const rootId =
    explicitRoot ??
    (roots.size === 1 ? [...roots][0]! : `r-${derivedId(`root:${managementAccount}`, 4)}`);
  return {
    id: `o-${derivedId(`organization:${managementAccount}`, 10)}`,
    rootId,
    managementAccount,
    createdAt: new Date(nowMs).toISOString(),
  };
}

export function buildTree(
  record: OrganizationRecord,
  map: Readonly<Record<string, readonly string[]>>,
): OrganizationTree {
  const sets = new Map<string, Set<string>>();
  const members: string[] = [record.managementAccount];
  const seen = new Set(members);
  for (const [id, accounts] of Object.entries(map)) {
    if (id.startsWith("ou-")) sets.set(id, new Set(accounts));
    for (const a of accounts) {
      if (!seen.has(a)) {
        seen.add(a);
        members.push(a);
      }
    }
  }
  const ids = [...sets.keys()];
  // Smaller lists first; among equal lists the later ID is the deeper one.
  const closest = (candidates: string[]): string | undefined =>
    candidates.sort((a, b) => sets.get(a)!.size - sets.get(b)!.size || (a < b ? 1 : -1))[0];

  const ous: OuNode[] = ids.map((id) => {
    const mine = sets.get(id)!;
    if (mine.size === 0) return { id, parent: record.rootId };
    const containing = ids.filter((other) => {
      if (other === id) return false;
      const theirs = sets.get(other)!;
      if (theirs.size < mine.size || (theirs.size === mine.size && other > id)) return false;
      for (const a of mine) if (!theirs.has(a)) return false;
      return true;
    });
    return { id, parent: closest(containing) ?? record.rootId };
  });
  const parentOf = new Map<string, string>();
  for (const account of members) {
    const holding = ids.filter((id) => sets.get(id)!.has(account));
    parentOf.set(account, closest(holding) ?? record.rootId);
  }
  return { record, ous, ouById: new Map(ous.map((o) => [o.id, o])), accounts: members, parentOf };
}

export function organizationArn(r: OrganizationRecord): string {
  return `arn:aws:organizations::${r.managementAccount}:organization/${r.id}`;
}

export function accountArn(r: OrganizationRecord, account: string): string {
  return `arn:aws:organizations::${r.managementAccount}:account/${r.id}/${account}`;
}

export function rootArn(r: OrganizationRecord): string {
  return `arn:aws:organizations::${r.managementAccount}:root/${r.id}/${r.rootId}`;
}

export function ouArn(r: OrganizationRecord, ou: string): string {
  return `arn:aws:organizations::${r.managementAccount}:ou/${r.id}/${ou}`;
}
