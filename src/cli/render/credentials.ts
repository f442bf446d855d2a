import type { AwsCredentials } from "../../sts/exchange.js";

export type CredentialFormat = "env" | "json" | "credential-process" | "dotenv";
export const CREDENTIAL_FORMATS: CredentialFormat[] = [
  "env",
  "json",
  "credential-process",
  "dotenv",
];

/** Single-quotes a value for POSIX shells, so `eval "$(bb-oidc credentials)"` is safe. */
export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

export function credentialVariables(c: AwsCredentials, region: string): [string, string][] {
  return [
    ["AWS_ACCESS_KEY_ID", c.accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", c.secretAccessKey],
    ["AWS_SESSION_TOKEN", c.sessionToken],
    ["AWS_REGION", region],
    ["AWS_DEFAULT_REGION", region],
    ["AWS_CREDENTIAL_EXPIRATION", c.expiration.toISOString()],
  ];
}

export function renderCredentials(
  format: CredentialFormat,
  c: AwsCredentials,
  meta: { region: string; assumedRoleArn: string },
): string {
  switch (format) {
    case "env":
      return `${credentialVariables(c, meta.region)
        .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
        .join("\n")}\n`;
    case "dotenv":
      return `${credentialVariables(c, meta.region)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")}\n`;
    case "credential-process":
      // The AWS CLI/SDK credential_process contract, version 1.
      return `${JSON.stringify({
        Version: 1,
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secretAccessKey,
        SessionToken: c.sessionToken,
        Expiration: c.expiration.toISOString(),
      })}\n`;
    case "json":
      return `${JSON.stringify(
        {
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          SessionToken: c.sessionToken,
          Expiration: c.expiration.toISOString(),
          Region: meta.region,
          AssumedRoleArn: meta.assumedRoleArn,
        },
        null,
        2,
      )}\n`;
  }
}
