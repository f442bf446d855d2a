import type { IamState } from "../../iam/state.js";

export interface ResourceContext {
  iam: IamState;
  account: string;
  logicalId: string;
}

/** What a created or updated resource is: `Ref` and its attributes, as IAM reports them. */
export interface Provisioned {
  physicalId: string;
  attributes: Record<string, string>;
}

/**
 * One resource type, applied through the emulator's IAM state so the same validation (and the same
 * messages) as the IAM API apply. `predicted` is what the template reader computed for Ref/GetAtt:
 * the name a resource gets when the template does not give one.
 */
export interface ResourceHandler {
  /** Properties whose change needs a new physical resource (Replacement: True). */
  replacementProperties: readonly string[];
  /** The property that gives the resource a custom name (replacing it then needs a new name). */
  nameProperty?: string;
  create(
    ctx: ResourceContext,
    props: Record<string, unknown>,
    predictedId: string | undefined,
  ): Promise<Provisioned>;
  update(
    ctx: ResourceContext,
    physicalId: string,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
  ): Promise<Provisioned>;
  delete(ctx: ResourceContext, physicalId: string, props: Record<string, unknown>): Promise<void>;
}

export function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : [];
}

export function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Policy documents: objects are serialized as JSON, strings (already JSON text) kept. */
export function policyText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v ?? {});
}

export function tagList(v: unknown): Array<{ key: string; value: string }> {
  if (!Array.isArray(v)) return [];
  return v
    .filter((t) => t && typeof t === "object")
    .map((t) => ({
      key: str((t as Record<string, unknown>).Key) ?? "",
      value: str((t as Record<string, unknown>).Value) ?? "",
    }));
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Swallows IAM's NoSuchEntity: deleting something already gone is success, as in CloudFormation. */
export async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as { code?: string }).code !== "NoSuchEntity") throw err;
  }
}
