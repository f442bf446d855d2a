import { join } from "node:path";
import type { Store } from "../store/types.js";
import type { AccountRecord } from "./accounts.js";
import type { AuditLogOptions } from "./audit.js";
import { type AwsBackend, createAwsBackend } from "./backend.js";
import type { RandomSource } from "./random.js";
import { type AwsServerTimeouts, startAwsServer } from "./server.js";
import { checkSourceIpOption, type SourceIpOptions } from "./source-ip.js";
import type { IssuerAccess } from "./sts/world.js";

export interface AwsEndpointOptions extends SourceIpOptions {
  store: Store;
  /** Account IDs to make sure exist (with their admin keys). */
  accounts: string[];
  host: string;
  port: number;
  /** Where `audit.log` goes; absent: no audit log. */
  stateDir?: string;
  issuerAccess?: IssuerAccess;
  /** Epoch milliseconds. */
  now?: () => number;
  random?: RandomSource;
  onInternalError?: (err: unknown) => void;
  timeouts?: AwsServerTimeouts;
  /** Let `/_emulator/faults` answer non-loopback callers. */
  allowRemoteAdmin?: boolean;
  /** Audit log rotation and summaries (defaults in audit.ts). */
  audit?: AuditLogOptions;
}

export interface AwsEndpoint {
  url: string;
  port: number;
  backend: AwsBackend;
  /** The requested accounts with their admin key pairs, in the order asked. */
  accounts: AccountRecord[];
  /** Answers requests in flight, then closes the audit log. The store is the caller's. */
  close(): Promise<void>;
}

/** STS + IAM (and whatever `services.ts` lists) on one HTTP port. */
export async function startAwsEndpoint(options: AwsEndpointOptions): Promise<AwsEndpoint> {
  checkSourceIpOption(options.sourceIp);
  const backendOptions: Parameters<typeof createAwsBackend>[0] = {
    store: options.store,
    accounts: options.accounts,
  };
  if (options.stateDir) backendOptions.auditPath = join(options.stateDir, "audit.log");
  if (options.audit) backendOptions.audit = options.audit;
  if (options.issuerAccess) backendOptions.issuerAccess = options.issuerAccess;
  if (options.now) backendOptions.now = options.now;
  if (options.random) backendOptions.random = options.random;
  const backend = await createAwsBackend(backendOptions);
  const closeBackend = async () => {
    await backend.audit.close();
    await backend.signatures.close();
  };
  // A port in use must not leave the signature worker and the audit log holding the process open.
  const server = await startAwsServer({
    backend,
    host: options.host,
    port: options.port,
    sourceIp: options.sourceIp,
    trustSourceIpHeader: options.trustSourceIpHeader,
    onInternalError: options.onInternalError,
    timeouts: options.timeouts,
    allowRemoteAdmin: options.allowRemoteAdmin,
  }).catch(async (err: unknown) => {
    await closeBackend();
    throw err;
  });
  return {
    url: server.url,
    port: server.port,
    backend,
    // Copies: callers hand these to SDK clients, which annotate the objects they are given.
    accounts: options.accounts.map((id) => ({ ...backend.accounts.get(id)! })),
    async close() {
      await server.close();
      // RoleLastUsed is written behind; the store is closed by the caller after this.
      await backend.iam.flush();
      await closeBackend();
    },
  };
}

export type { AccountRecord } from "./accounts.js";
export type { AwsBackend } from "./backend.js";
export { AwsError } from "./errors.js";
export type { FaultSpec } from "./faults.js";
export { IamState } from "./iam/state.js";
export type { ActionContext, AwsService } from "./service.js";
export type { IssuerAccess } from "./sts/world.js";
