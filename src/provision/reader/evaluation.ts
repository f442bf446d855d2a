/**
 * What the template resolver and its intrinsic functions share: the evaluation scope, the two
 * sentinels (`AWS::NoValue`, "only AWS knows"), and the evaluator interface each intrinsic is
 * written against, so an intrinsic is one table entry and not a branch of the resolver.
 */

import { isRecord } from "../../shared/is-record.js";
import type { ResolveOptions } from "./resolve-types.js";
import type { Path } from "./source-locations.js";
import type { TemplateError, TemplateErrorReason } from "./template-error.js";
import type { CfnTemplate } from "./types.js";

export interface Scope {
  /** Evaluating the Conditions section: resources may not be referenced. */
  inCondition: boolean;
  /** Inside an intrinsic's arguments: unknowns propagate instead of being kept in place. */
  strict: boolean;
}

export const PROPERTY_SCOPE: Scope = { inCondition: false, strict: false };

/** `Ref: AWS::NoValue`: the property (or list element) it stands in is removed. */
export const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

/** Thrown inside an intrinsic whose value only AWS could know; caught by the enclosing container. */
export class Unresolvable {
  constructor(readonly reason: string) {}
}

/** The resolver as its intrinsic functions see it. */
export interface Evaluator {
  readonly template: CfnTemplate;
  readonly options: ResolveOptions;
  /** Any value: intrinsics are evaluated, containers walked. */
  value(v: unknown, path: Path, scope: Scope): unknown;
  /** An argument that must come out as one string (numbers and booleans are written as text). */
  text(v: unknown, path: Path, scope: Scope, what: string): string;
  list(v: unknown, path: Path, scope: Scope, what: string): unknown[];
  /** The argument list of `fn`, checked for its length. */
  args(arg: unknown, path: Path, fn: string, min: number, max?: number): unknown[];
  /** A condition function or `{Condition: name}`. */
  booleanOf(v: unknown, path: Path): boolean;
  condition(name: string, usedAt: Path): boolean;
  /** `Ref name`: a pseudo parameter, parameter or resource. */
  ref(name: string, path: Path, scope: Scope): unknown;
  /** Whether `Ref name` could mean something (pseudo parameter, parameter, resource, AWS::…). */
  isReferenceName(name: string): boolean;
  /** Names a reference could have meant, for suggestions. */
  referenceNames(): string[];
  /** `Fn::GetAtt id.attribute`. */
  attribute(id: string, attribute: string, path: Path, scope: Scope): string;
  error(
    reason: TemplateErrorReason,
    message: string,
    path: Path,
    details?: { hint?: string },
  ): TemplateError;
}

export function strictScope(scope: Scope): Scope {
  return { inCondition: scope.inCondition, strict: true };
}

export { isRecord };

/** `Ref` or `Fn::…` when `v` is a one-key mapping holding an intrinsic. */
export function intrinsicKey(v: unknown): string | undefined {
  if (!isRecord(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const k = keys[0]!;
  return k === "Ref" || k.startsWith("Fn::") ? k : undefined;
}

/** A value as an error message shows it. */
export function describe(v: unknown): string {
  if (v === NO_VALUE) return "AWS::NoValue";
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a mapping";
  return JSON.stringify(v);
}
