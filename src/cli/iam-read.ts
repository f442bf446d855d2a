import { GetOpenIDConnectProviderCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { sdkNetworkOptions } from "./network.js";

/**
 * Reads a role's trust policy and an OIDC provider through IAM with the SDK's usual credential
 * resolution. Loaded on demand (the happy path of a pipeline step never needs IAM).
 */
export interface LiveRole {
  arn: string;
  roleId?: string;
  trustPolicy: unknown;
  maxSessionDuration: number;
}

export function iamClient(region: string, endpoint?: string): IAMClient {
  return new IAMClient({
    region,
    maxAttempts: 2,
    ...(endpoint ? { endpoint } : {}),
    ...sdkNetworkOptions(process.env),
  });
}

export async function readRole(
  iam: IAMClient,
  roleName: string,
  timeoutMs?: number,
): Promise<LiveRole | undefined> {
  const out = await iam.send(
    new GetRoleCommand({ RoleName: roleName }),
    timeoutMs ? { abortSignal: AbortSignal.timeout(timeoutMs) } : {},
  );
  const doc = out.Role?.AssumeRolePolicyDocument;
  if (!doc || !out.Role?.Arn) return undefined;
  return {
    arn: out.Role.Arn,
    ...(out.Role.RoleId ? { roleId: out.Role.RoleId } : {}),
    // IAM returns the document URL-encoded.
    trustPolicy: JSON.parse(decodeURIComponent(doc)),
    maxSessionDuration: out.Role.MaxSessionDuration ?? 3600,
  };
}

export async function readProvider(
  iam: IAMClient,
  arn: string,
): Promise<{ clientIds: string[]; thumbprints: string[] } | undefined> {
  try {
    const p = await iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
    );
    return { clientIds: p.ClientIDList ?? [], thumbprints: p.ThumbprintList ?? [] };
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === "NoSuchEntityException" || name === "NoSuchEntity") return undefined;
    throw err;
  }
}
