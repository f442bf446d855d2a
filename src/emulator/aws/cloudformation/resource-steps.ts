/**
 * One resource, one step: create, update or delete it through its IAM handler, turning a
 * refusal into the reason CloudFormation prints. Steps never throw; a failure is the reason.
 */
import { randomUUID } from "node:crypto";
import type { ResolvedTemplate } from "../../../provision/reader/index.js";
import { AwsError } from "../errors.js";
import { substitute } from "./ids.js";
import type { StackRecord, StackResourceRecord } from "./records.js";
import {
  RESOURCE_HANDLERS,
  type ResourceContext,
  unsupportedTypeReason,
} from "./resources/index.js";
import type { CloudFormationState } from "./state.js";

function ctxFor(
  state: CloudFormationState,
  stack: StackRecord,
  logicalId: string,
): ResourceContext {
  return { iam: state.backend.iam, account: stack.account, logicalId };
}

/** The reason CloudFormation prints for a handler failure, carrying IAM's own message. */
export function failureReason(err: unknown): string {
  if (err instanceof AwsError) {
    const handlerCode =
      err.code === "EntityAlreadyExists"
        ? "AlreadyExists"
        : err.code === "NoSuchEntity"
          ? "NotFound"
          : err.code === "LimitExceeded"
            ? "ServiceLimitExceeded"
            : err.httpStatus < 500
              ? "InvalidRequest"
              : "GeneralServiceException";
    return `Resource handler returned message: "${err.message} (Service: Iam, Status Code: ${err.httpStatus}, Request ID: ${randomUUID()})" (HandlerErrorCode: ${handlerCode})`;
  }
  const code = (err as { code?: string })?.code;
  const message = err instanceof Error ? err.message : String(err);
  return `Resource handler returned message: "${message}" (HandlerErrorCode: ${code === "InvalidRequest" ? "InvalidRequest" : "InternalFailure"})`;
}

/** Why a resource cannot be provisioned before any call (unsupported type, unresolved value). */
export function precheck(
  resolved: ResolvedTemplate,
  logicalId: string,
  type: string,
): string | undefined {
  if (!RESOURCE_HANDLERS[type]) return unsupportedTypeReason(type);
  const prefix = `Resources.${logicalId}.`;
  const u = resolved.unresolved.find((x) => x.path.startsWith(prefix));
  if (u) return `The emulator could not resolve ${u.path}: ${u.reason}`;
  return undefined;
}

/** Remembers IDs IAM assigned where the reader predicted others (RoleId, PolicyId). */
function learnIds(
  stack: StackRecord,
  predicted: Record<string, string>,
  actual: Record<string, string>,
) {
  for (const [k, v] of Object.entries(predicted)) {
    const a = actual[k];
    if (a !== undefined && a !== v) stack.idMap[v] = a;
  }
}

/** A record for a resource about to be created from the resolved template. */
export function newResource(
  state: CloudFormationState,
  resolved: ResolvedTemplate,
  id: string,
  deletionPolicy?: string,
): StackResourceRecord {
  const res = resolved.resources[id]!;
  const rec: StackResourceRecord = {
    logicalId: id,
    type: res.type,
    status: "CREATE_IN_PROGRESS",
    timestamp: state.now(),
    properties: res.properties,
    attributes: {},
  };
  if (res.metadata !== undefined) rec.metadata = res.metadata;
  if (deletionPolicy !== undefined) rec.deletionPolicy = deletionPolicy;
  return rec;
}

/** Creates the resource `rec` stands for, as the resolved template describes it. */
export async function createOne(
  state: CloudFormationState,
  stack: StackRecord,
  rec: StackResourceRecord,
  resolved: ResolvedTemplate,
): Promise<string | undefined> {
  const res = resolved.resources[rec.logicalId]!;
  const blocked = precheck(resolved, rec.logicalId, rec.type);
  if (blocked) return blocked;
  try {
    const p = await RESOURCE_HANDLERS[rec.type]!.create(
      ctxFor(state, stack, rec.logicalId),
      substitute(res.properties, stack.idMap),
      res.physicalId,
    );
    rec.physicalId = p.physicalId;
    rec.attributes = p.attributes;
    learnIds(stack, res.attributes, p.attributes);
    return undefined;
  } catch (err) {
    return failureReason(err);
  }
}

/** Creates again a resource deleted earlier in a failed update, from its recorded properties. */
export async function recreate(
  state: CloudFormationState,
  stack: StackRecord,
  rec: StackResourceRecord,
): Promise<string | undefined> {
  try {
    const p = await RESOURCE_HANDLERS[rec.type]!.create(
      ctxFor(state, stack, rec.logicalId),
      substitute(rec.properties, stack.idMap),
      rec.physicalId,
    );
    rec.physicalId = p.physicalId;
    rec.attributes = p.attributes;
    return undefined;
  } catch (err) {
    return failureReason(err);
  }
}

/** Updates `rec` in place from `before` to `after` properties. */
export async function updateOne(
  state: CloudFormationState,
  stack: StackRecord,
  rec: StackResourceRecord,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  predicted?: Record<string, string>,
): Promise<string | undefined> {
  const handler = RESOURCE_HANDLERS[rec.type];
  if (!handler || rec.physicalId === undefined) return undefined;
  try {
    const p = await handler.update(
      ctxFor(state, stack, rec.logicalId),
      rec.physicalId,
      substitute(before, stack.idMap),
      substitute(after, stack.idMap),
    );
    rec.physicalId = p.physicalId;
    rec.attributes = p.attributes;
    if (predicted) learnIds(stack, predicted, p.attributes);
    return undefined;
  } catch (err) {
    return failureReason(err);
  }
}

export async function deleteOne(
  state: CloudFormationState,
  stack: StackRecord,
  rec: StackResourceRecord,
): Promise<string | undefined> {
  if (rec.physicalId === undefined) return undefined;
  const handler = RESOURCE_HANDLERS[rec.type];
  if (!handler) return undefined;
  try {
    await handler.delete(
      ctxFor(state, stack, rec.logicalId),
      rec.physicalId,
      substitute(rec.properties, stack.idMap),
    );
    return undefined;
  } catch (err) {
    return failureReason(err);
  }
}

/** Deletes live resources in reverse order; returns the logical IDs that could not be deleted. */
export async function deleteAll(
  state: CloudFormationState,
  stack: StackRecord,
  opts: { rollback?: boolean; retain?: string[] },
): Promise<string[]> {
  const stuck: string[] = [];
  for (const rec of [...stack.resources].reverse()) {
    if (rec.status === "DELETE_COMPLETE" || rec.status === "DELETE_SKIPPED") continue;
    if (rec.physicalId === undefined) {
      // Never made (failed or not started): CloudFormation still reports it gone.
      await state.event(stack, rec, "DELETE_COMPLETE");
      continue;
    }
    if (
      !opts.rollback &&
      (rec.deletionPolicy === "Retain" || opts.retain?.includes(rec.logicalId))
    ) {
      await state.event(stack, rec, "DELETE_SKIPPED");
      continue;
    }
    await state.event(stack, rec, "DELETE_IN_PROGRESS");
    await state.pause();
    const reason = await deleteOne(state, stack, rec);
    if (reason !== undefined) {
      await state.event(stack, rec, "DELETE_FAILED", { reason });
      stuck.push(rec.logicalId);
    } else {
      await state.event(stack, rec, "DELETE_COMPLETE");
    }
  }
  return stuck;
}
