import { compilePolicy, type RequestContext } from "../../src/policy/index.js";

export const HOST = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
export const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${HOST}`;
export const ACTION = "sts:AssumeRoleWithWebIdentity";
export const FEDERATED = { type: "Federated" as const, id: PROVIDER_ARN };

/** A one-statement Allow trust policy for anyone, with the given Condition block. */
export function withCondition(condition: Record<string, unknown>, version = "2012-10-17") {
  return compilePolicy(
    {
      Version: version,
      Statement: [{ Effect: "Allow", Principal: "*", Action: ACTION, Condition: condition }],
    },
    { kind: "trust" },
  );
}

/** Whether a single condition `operator: { key: values }` holds for `context`. */
export function holds(
  operator: string,
  key: string,
  values: unknown,
  context: RequestContext,
  version?: string,
): boolean {
  const policy = withCondition({ [operator]: { [key]: values } }, version);
  return policy.evaluate({ principal: FEDERATED, action: ACTION, context }).allowed;
}

export function conditionTrace(
  operator: string,
  key: string,
  values: unknown,
  context: RequestContext,
) {
  const policy = withCondition({ [operator]: { [key]: values } });
  return policy.evaluate({ principal: FEDERATED, action: ACTION, context }).statements[0]!
    .conditions[0]!;
}
