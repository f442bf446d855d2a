/**
 * Entering an account: the caller's own account with the credentials it has, any other by
 * sts:AssumeRole into `arn:<partition>:iam::<account>:role/<assume-role-name>`. A refusal is a
 * result (the account is reported as not audited), never an exception that stops the audit.
 */
import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";

export interface EnterOptions {
  sts: STSClient;
  callerAccount: string;
  partition: string;
  assumeRoleName?: string;
  externalId?: string;
  sessionName: string;
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

export type Entered =
  | { ok: true; credentials?: SessionCredentials; via: string }
  | { ok: false; error: string };

export function describeAwsError(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : "";
  return `${e.name ?? "Error"}: ${e.message ?? String(err)}${status}`;
}

export async function enterAccount(account: string, o: EnterOptions): Promise<Entered> {
  if (account === o.callerAccount) return { ok: true, via: "the current credentials" };
  if (!o.assumeRoleName) {
    return { ok: false, error: "no --assume-role-name was given to enter it with" };
  }
  const roleArn = `arn:${o.partition}:iam::${account}:role/${o.assumeRoleName}`;
  try {
    const r = await o.sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: o.sessionName,
        ...(o.externalId ? { ExternalId: o.externalId } : {}),
      }),
    );
    const c = r.Credentials!;
    return {
      ok: true,
      via: roleArn,
      credentials: {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      },
    };
  } catch (err) {
    return { ok: false, error: `sts:AssumeRole into ${roleArn} failed: ${describeAwsError(err)}` };
  }
}
