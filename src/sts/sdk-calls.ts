import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  AssumeRoleWithWebIdentityCommand,
  type AssumeRoleWithWebIdentityCommandInput,
  GetCallerIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";

/**
 * The STS calls made with the AWS SDK: every signed one (AssumeRole, GetCallerIdentity), and
 * AssumeRoleWithWebIdentity when the caller did not choose the built-in client
 * (query-client.ts). exchange.ts imports this file only when it needs it, so a step whose
 * exchange is one web-identity call never loads the SDK.
 */
export interface SdkStsOptions {
  region: string;
  endpoint?: string;
  clientOptions?: Record<string, unknown>;
  /** Signing credentials; none for AssumeRoleWithWebIdentity (unsigned). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

function stsClient(o: SdkStsOptions): STSClient {
  const c = o.credentials;
  return new STSClient({
    ...o.clientOptions,
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    // Retries are exchange.ts's (retry.ts), across attempts and within one deadline.
    maxAttempts: 1,
    credentials: c
      ? {
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
        }
      : // AssumeRoleWithWebIdentity is unsigned; never let the SDK go looking for credentials.
        { accessKeyId: "unused", secretAccessKey: "unused" },
  });
}

export function sdkAssumeRoleWithWebIdentity(
  o: SdkStsOptions,
  input: AssumeRoleWithWebIdentityCommandInput,
  abortSignal: AbortSignal,
) {
  return stsClient(o).send(new AssumeRoleWithWebIdentityCommand(input), { abortSignal });
}

export function sdkAssumeRole(
  o: SdkStsOptions,
  input: AssumeRoleCommandInput,
  abortSignal: AbortSignal,
) {
  return stsClient(o).send(new AssumeRoleCommand(input), { abortSignal });
}

export function sdkGetCallerIdentity(o: SdkStsOptions, abortSignal: AbortSignal) {
  return stsClient(o).send(new GetCallerIdentityCommand({}), { abortSignal });
}
