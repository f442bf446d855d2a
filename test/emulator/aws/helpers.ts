import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, expect } from "vitest";
import {
  type AwsEndpoint,
  type AwsEndpointOptions,
  startAwsEndpoint,
} from "../../../src/emulator/aws/index.js";
import { openMemoryStore } from "../../../src/emulator/store/index.js";

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** An AWS endpoint alone (no Bitbucket side), on a free port, with a memory store. */
export async function startEndpoint(
  extra: Partial<AwsEndpointOptions> = {},
): Promise<AwsEndpoint & { errors: unknown[] }> {
  const errors: unknown[] = [];
  const ep = await startAwsEndpoint({
    store: openMemoryStore(),
    accounts: ["111111111111", "222222222222"],
    host: "127.0.0.1",
    port: 0,
    onInternalError: (e) => errors.push(e),
    ...extra,
  });
  return Object.assign(ep, { errors });
}

// No retries: a test that expects an error should see it at once, not after backoff.
export function iam(endpoint: string, credentials: Creds): IAMClient {
  return new IAMClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
}

export function sts(endpoint: string, credentials?: Creds, maxAttempts = 1): STSClient {
  return new STSClient({
    endpoint,
    region: "us-east-1",
    maxAttempts,
    // Unsigned calls (web identity) need no credentials; give a provider that is never asked.
    credentials:
      credentials ??
      (async () => {
        throw new Error("no credentials in this test");
      }),
  });
}

/** Awaits a rejection and returns the SDK error with its name and HTTP status. */
export async function failure(p: Promise<unknown>): Promise<{
  name: string;
  message: string;
  status: number | undefined;
}> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

export const TRUST_ROOT = (account: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: "sts:AssumeRole",
      },
    ],
  });

/** An identity policy allowing `action` on every resource. */
export const allowPolicy = (action: string | string[]) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: action, Resource: "*" }],
  });

/**
 * A test file's endpoint and IAM client (account 111111111111's root): started before its
 * tests, checked for internal errors and closed after them.
 */
export function iamSuite(extra: Partial<AwsEndpointOptions> = {}): {
  ep: AwsEndpoint & { errors: unknown[] };
  client: IAMClient;
} {
  const suite = {} as { ep: AwsEndpoint & { errors: unknown[] }; client: IAMClient };
  beforeAll(async () => {
    suite.ep = await startEndpoint(extra);
    suite.client = iam(suite.ep.url, suite.ep.accounts[0]!);
  });
  afterAll(async () => {
    expect(suite.ep.errors).toEqual([]);
    await suite.ep.close();
  });
  return suite;
}
