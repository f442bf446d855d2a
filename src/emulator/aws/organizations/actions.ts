/**
 * The read side of AWS Organizations the audit needs: DescribeOrganization, ListRoots,
 * ListAccounts, ListAccountsForParent, ListOrganizationalUnitsForParent, ListChildren, with
 * NextToken pagination (at most 20 per page, as the service model allows).
 */
import type { Caller } from "../caller.js";
import { accessDenied, invalidInput, notInUse, parentNotFound } from "./errors.js";
import { accountArn, type OrganizationTree, organizationArn, ouArn, rootArn } from "./tree.js";

export type JsonInput = Record<string, unknown>;
export type OrganizationsAction = (
  tree: OrganizationTree | undefined,
  caller: Caller,
  input: JsonInput,
) => unknown;

const MAX_RESULTS = 20;
const PARENT_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const CHILD_TYPES = ["ACCOUNT", "ORGANIZATIONAL_UNIT"];

/** Members may describe their organization; only the management account may list it. */
function member(tree: OrganizationTree | undefined, caller: Caller): OrganizationTree {
  if (tree?.parentOf.has(caller.account)) return tree;
  throw notInUse();
}

function management(tree: OrganizationTree | undefined, caller: Caller): OrganizationTree {
  const t = member(tree, caller);
  if (caller.account !== t.record.managementAccount) throw accessDenied();
  return t;
}

function stringInput(input: JsonInput, name: string, required: boolean): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required) throw invalidInput("INPUT_REQUIRED");
    return undefined;
  }
  if (typeof v !== "string") throw invalidInput("INVALID_PATTERN");
  return v;
}

function parentInput(tree: OrganizationTree, input: JsonInput): string {
  const id = stringInput(input, "ParentId", true)!;
  if (id.length > 100 || !PARENT_ID.test(id)) throw invalidInput("INVALID_PATTERN");
  if (id !== tree.record.rootId && !tree.ouById.has(id)) throw parentNotFound();
  return id;
}

interface TokenState {
  action: string;
  parent: string;
  offset: number;
}

function encodeToken(t: TokenState): string {
  return Buffer.from(JSON.stringify([t.action, t.parent, t.offset])).toString("base64url");
}

function decodeToken(text: string, action: string, parent: string): number {
  try {
    const [a, p, o] = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (a === action && p === parent && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // falls through to the refusal
  }
  throw invalidInput("INVALID_NEXT_TOKEN");
}

/** One page of `items`, with `NextToken` when more remain. */
function page<T>(
  items: readonly T[],
  input: JsonInput,
  action: string,
  parent: string,
  key: string,
  shape: (item: T) => unknown,
): Record<string, unknown> {
  const max = input.MaxResults;
  let size = MAX_RESULTS;
  if (max !== undefined && max !== null) {
    if (typeof max !== "number" || !Number.isInteger(max)) throw invalidInput("INVALID_PATTERN");
    if (max < 1) throw invalidInput("MIN_VALUE_EXCEEDED");
    if (max > MAX_RESULTS) throw invalidInput("MAX_VALUE_EXCEEDED");
    size = max;
  }
  const token = stringInput(input, "NextToken", false);
  if (token !== undefined && token.length > 100_000) throw invalidInput("MAX_LENGTH_EXCEEDED");
  const offset = token === undefined ? 0 : decodeToken(token, action, parent);
  const out: Record<string, unknown> = { [key]: items.slice(offset, offset + size).map(shape) };
  if (offset + size < items.length) {
    out.NextToken = encodeToken({ action, parent, offset: offset + size });
  }
  return out;
}

function accountShape(tree: OrganizationTree, id: string) {
  const r = tree.record;
  const managementAccount = id === r.managementAccount;
  return {
    Id: id,
    Arn: accountArn(r, id),
    Email: `aws+${id}@example.com`,
    Name: managementAccount ? "Management account" : `Account ${id}`,
    Status: "ACTIVE",
    State: "ACTIVE",
    JoinedMethod: managementAccount ? "INVITED" : "CREATED",
    // The JSON protocol's timestamps are epoch seconds.
    JoinedTimestamp: Date.parse(r.createdAt) / 1000,
  };
}

/** `o-…/r-…/ou-…/` down to `ou`. */
function ouPath(tree: OrganizationTree, ou: string): string {
  const chain: string[] = [];
  for (let id = ou; id !== tree.record.rootId; id = tree.ouById.get(id)!.parent) chain.unshift(id);
  return `${tree.record.id}/${tree.record.rootId}/${chain.map((c) => `${c}/`).join("")}`;
}

function ouShape(tree: OrganizationTree, id: string) {
  // The emulator knows OUs by ID only; the ID doubles as the name.
  return { Id: id, Arn: ouArn(tree.record, id), Name: id, Path: ouPath(tree, id) };
}

function accountsUnder(tree: OrganizationTree, parent: string): string[] {
  return tree.accounts.filter((a) => tree.parentOf.get(a) === parent);
}

function ousUnder(tree: OrganizationTree, parent: string): string[] {
  return tree.ous.filter((o) => o.parent === parent).map((o) => o.id);
}

export const ORGANIZATIONS_ACTIONS: Record<string, OrganizationsAction> = {
  DescribeOrganization(tree, caller) {
    const t = member(tree, caller);
    const r = t.record;
    return {
      Organization: {
        Id: r.id,
        Arn: organizationArn(r),
        FeatureSet: "ALL",
        MasterAccountArn: accountArn(r, r.managementAccount),
        MasterAccountId: r.managementAccount,
        MasterAccountEmail: `aws+${r.managementAccount}@example.com`,
        AvailablePolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
      },
    };
  },
  ListRoots(tree, caller, input) {
    const t = management(tree, caller);
    const root = { Id: t.record.rootId, Arn: rootArn(t.record), Name: "Root", PolicyTypes: [] };
    return page([root], input, "ListRoots", "", "Roots", (x) => x);
  },
  ListAccounts(tree, caller, input) {
    const t = management(tree, caller);
    return page(t.accounts, input, "ListAccounts", "", "Accounts", (a) => accountShape(t, a));
  },
  ListAccountsForParent(tree, caller, input) {
    const t = management(tree, caller);
    const parent = parentInput(t, input);
    return page(accountsUnder(t, parent), input, "ListAccountsForParent", parent, "Accounts", (a) =>
      accountShape(t, a),
    );
  },
  ListOrganizationalUnitsForParent(tree, caller, input) {
    const t = management(tree, caller);
    const parent = parentInput(t, input);
    return page(
      ousUnder(t, parent),
      input,
      "ListOrganizationalUnitsForParent",
      parent,
      "OrganizationalUnits",
      (o) => ouShape(t, o),
    );
  },
  ListChildren(tree, caller, input) {
    const t = management(tree, caller);
    const parent = parentInput(t, input);
    const type = stringInput(input, "ChildType", true)!;
    if (!CHILD_TYPES.includes(type)) throw invalidInput("INVALID_ENUM");
    const ids = type === "ACCOUNT" ? accountsUnder(t, parent) : ousUnder(t, parent);
    return page(ids, input, "ListChildren", `${parent}/${type}`, "Children", (id) => ({
      Id: id,
      Type: type,
    }));
  },
};
