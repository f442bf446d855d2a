/** What resolving a template for one stack takes, and what it gives. */
import type { ParameterValue, ProvidedParameters } from "./parameters.js";
/** What the template does not say about the stack it is resolved for. */
export interface ResolveOptions {
  parameters?: ProvidedParameters;
  accountId: string;
  region: string;
  partition?: string;
  stackName: string;
  /** Default: a deterministic `arn:…:cloudformation:<region>:<account>:stack/<name>/<uuid>`. */
  stackId?: string;
  /** Exported output values by export name, for Fn::ImportValue. */
  exports?: Readonly<Record<string, string>>;
  /** Default: `<region>a`, `<region>b`, `<region>c` (an assumption: real lists vary by account). */
  availabilityZones?: (region: string) => string[];
  /**
   * `Ref` (asked as attribute "Ref") and `Fn::GetAtt` values of resources other than the IAM
   * ones the reader knows. Return undefined when unknown: the value then stays unresolved.
   */
  resourceAttributes?: (logicalId: string, attribute: string, type: string) => string | undefined;
}

export interface ResolvedResource {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
  /** Direct dependencies (Ref, GetAtt, Sub, DependsOn) among created resources. */
  dependsOn: string[];
  condition?: string;
  metadata?: Record<string, unknown>;
  /** What `Ref` returns, when known. */
  physicalId?: string;
  attributes: Record<string, string>;
}

export interface ResolvedOutput {
  value: unknown;
  description?: unknown;
  exportName?: unknown;
}

export interface UnresolvedValue {
  path: string;
  /** `file:line:column` of the value. */
  location: string;
  reason: string;
}

export interface ResolvedTemplate {
  sourceName: string;
  description?: string;
  /** NoEcho values are masked as `****`, as DescribeStacks shows them. */
  parameters: Record<string, ParameterValue>;
  conditions: Record<string, boolean>;
  /** Created resources, in creation (dependency) order. */
  resources: Record<string, ResolvedResource>;
  order: string[];
  /** Resources whose Condition is false. */
  skipped: string[];
  outputs: Record<string, ResolvedOutput>;
  unresolved: UnresolvedValue[];
  pseudoParameters: Record<string, string | string[]>;
}
