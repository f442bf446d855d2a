/** Reading CloudFormation's Query parameters (lists, structures) into plain inputs. */
import type { QueryParams } from "../params.js";
import { validationError } from "./errors.js";
import type { OperationPreferencesRecord, TagRecord } from "./records.js";
import type { ParameterInput } from "./stacks.js";

export function parameterInputs(params: QueryParams, name = "Parameters"): ParameterInput[] {
  return (params.structList(name) ?? []).map((p) => {
    const key = p.ParameterKey;
    if (key === undefined) throw validationError(`${name}: every parameter needs a ParameterKey`);
    const out: ParameterInput = { key };
    if (p.UsePreviousValue?.toLowerCase() === "true") out.usePreviousValue = true;
    else if (p.ParameterValue !== undefined) out.value = p.ParameterValue;
    return out;
  });
}

export function tagInputs(params: QueryParams): TagRecord[] | undefined {
  return params.structList("Tags")?.map((t) => ({ key: t.Key ?? "", value: t.Value ?? "" }));
}

function intOf(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw validationError(`${name} must be a whole number`);
  return Number(raw);
}

export function operationPreferences(params: QueryParams): OperationPreferencesRecord {
  const p = "OperationPreferences.";
  const out: OperationPreferencesRecord = {};
  const rct = params.get(`${p}RegionConcurrencyType`);
  if (rct !== undefined) {
    if (rct !== "SEQUENTIAL" && rct !== "PARALLEL")
      throw validationError("RegionConcurrencyType must be SEQUENTIAL or PARALLEL");
    out.regionConcurrencyType = rct;
  }
  const order = params.list(`${p}RegionOrder`);
  if (order) out.regionOrder = order;
  const set = <K extends keyof OperationPreferencesRecord>(
    k: K,
    v: OperationPreferencesRecord[K] | undefined,
  ) => {
    if (v !== undefined) out[k] = v;
  };
  set(
    "failureToleranceCount",
    intOf(params.get(`${p}FailureToleranceCount`), "FailureToleranceCount"),
  );
  set(
    "failureTolerancePercentage",
    intOf(params.get(`${p}FailureTolerancePercentage`), "FailureTolerancePercentage"),
  );
  set("maxConcurrentCount", intOf(params.get(`${p}MaxConcurrentCount`), "MaxConcurrentCount"));
  set(
    "maxConcurrentPercentage",
    intOf(params.get(`${p}MaxConcurrentPercentage`), "MaxConcurrentPercentage"),
  );
  const mode = params.get(`${p}ConcurrencyMode`);
  if (mode !== undefined) {
    if (mode !== "STRICT_FAILURE_TOLERANCE" && mode !== "SOFT_FAILURE_TOLERANCE") {
      throw validationError(
        "ConcurrencyMode must be STRICT_FAILURE_TOLERANCE or SOFT_FAILURE_TOLERANCE",
      );
    }
    out.concurrencyMode = mode;
  }
  return out;
}

/** `Accounts` and/or `DeploymentTargets.{Accounts,OrganizationalUnitIds,AccountFilterType}`. */
export function deploymentTargets(params: QueryParams): {
  accounts?: string[];
  organizationalUnitIds?: string[];
  accountFilterType?: string;
} {
  const out: { accounts?: string[]; organizationalUnitIds?: string[]; accountFilterType?: string } =
    {};
  const accounts = params.list("Accounts") ?? params.list("DeploymentTargets.Accounts");
  if (accounts) out.accounts = accounts;
  if (params.has("DeploymentTargets.AccountsUrl")) {
    throw validationError(
      "DeploymentTargets.AccountsUrl is not supported by the emulator (it reads no S3); list Accounts instead.",
    );
  }
  const ous = params.list("DeploymentTargets.OrganizationalUnitIds");
  if (ous) out.organizationalUnitIds = ous;
  const filter = params.get("DeploymentTargets.AccountFilterType");
  if (filter !== undefined) out.accountFilterType = filter;
  return out;
}

/** NextToken paging over an in-memory list: the token is the next offset. */
export function page<T>(
  items: T[],
  token: string | undefined,
  size: number,
): { items: T[]; next?: string } {
  const start = token === undefined ? 0 : Number.parseInt(token, 10);
  if (!Number.isInteger(start) || start < 0 || start > items.length)
    throw validationError("Invalid NextToken");
  const end = start + size;
  return end < items.length
    ? { items: items.slice(start, end), next: String(end) }
    : { items: items.slice(start) };
}
