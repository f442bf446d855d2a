/** What a stack operation deploys, and what a stack takes from it when it succeeds. */
import type { ResolvedTemplate } from "../../../provision/reader/index.js";
import { substitute } from "./ids.js";
import type { StackOutputRecord, StackParameterRecord, StackRecord } from "./records.js";
import type { PreparedTemplate } from "./template.js";

/** A prepared template and the stack settings that go with it. */
export interface Deployment {
  templateBody: string;
  prepared: PreparedTemplate;
  parameterValues: Record<string, string>;
  parameters: StackParameterRecord[];
  capabilities: string[];
  onFailure: "ROLLBACK" | "DELETE" | "DO_NOTHING";
  clientRequestToken?: string;
}

/** Outputs with IAM's real IDs substituted; lists are comma-joined as CloudFormation shows them. */
export function computeOutputs(
  resolved: ResolvedTemplate,
  idMap: Record<string, string>,
): StackOutputRecord[] {
  return Object.entries(resolved.outputs).map(([key, o]) => {
    const value = substitute(o.value, idMap);
    const out: StackOutputRecord = {
      key,
      value: Array.isArray(value)
        ? value.join(",")
        : typeof value === "string"
          ? value
          : JSON.stringify(value),
    };
    if (typeof o.description === "string") out.description = o.description;
    if (typeof o.exportName === "string") out.exportName = substitute(o.exportName, idMap);
    return out;
  });
}

/** The stack takes the deployment's template, parameters, capabilities and description. */
export function applySettings(stack: StackRecord, d: Deployment): void {
  stack.templateBody = d.templateBody;
  stack.parameterValues = d.parameterValues;
  stack.parameters = d.parameters;
  stack.capabilities = d.capabilities;
  const description = d.prepared.resolved.description;
  if (description !== undefined) stack.description = description;
  else delete stack.description;
}

export function deletionPolicyOf(d: Deployment, id: string): string | undefined {
  return d.prepared.parsed.template.Resources[id]?.DeletionPolicy;
}
