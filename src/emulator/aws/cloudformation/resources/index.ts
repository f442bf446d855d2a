import { managedPolicyHandler } from "./managed-policy.js";
import { oidcProviderHandler } from "./oidc-provider.js";
import { policyHandler } from "./policy.js";
import { roleHandler } from "./role.js";
import type { ResourceHandler } from "./types.js";

/** The resource types the emulator can create: the IAM ones a bb-oidc stack is made of. */
export const RESOURCE_HANDLERS: Readonly<Record<string, ResourceHandler>> = {
  "AWS::IAM::OIDCProvider": oidcProviderHandler,
  "AWS::IAM::Role": roleHandler,
  "AWS::IAM::ManagedPolicy": managedPolicyHandler,
  "AWS::IAM::Policy": policyHandler,
};

export function unsupportedTypeReason(type: string): string {
  return `The bb-oidc emulator does not support resource type ${type}; it creates only ${Object.keys(RESOURCE_HANDLERS).join(", ")}.`;
}

export type { Provisioned, ResourceContext, ResourceHandler } from "./types.js";
