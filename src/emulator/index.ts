import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { issuerFor } from "../bitbucket/index.js";
import type { AuditLogOptions } from "./aws/audit.js";
import { type AccountRecord, type AwsEndpoint, startAwsEndpoint } from "./aws/index.js";
import { registerOrganization } from "./aws/organizations/index.js";
import { checkSourceIpOption } from "./aws/source-ip.js";
import { ensureWorkspace, startBitbucketServer } from "./bitbucket/index.js";
import { loadOrCreateCa } from "./certs/index.js";
import { listenError, probePorts } from "./listen-errors.js";
import { openStore } from "./store/index.js";
import type { Store } from "./store/types.js";

/**
 * Default ports: fixed so scripts and `~/.aws/config` can name them, and away from LocalStack's
 * 4566 and moto's 5000 so the emulators can run side by side. 0 picks free ports.
 */
export const DEFAULT_AWS_PORT = 8790;
export const DEFAULT_BITBUCKET_PORT = 8791;
/** The real issuer host; the emulator's STS resolves it to its own Bitbucket server. */
export const BITBUCKET_API_HOST = "api.bitbucket.org";

export interface EmulatorOptions {
  host?: string;
  awsPort?: number;
  bitbucketPort?: number;
  /** Kept across runs (IAM state, keys, CA, sessions). Default: a fresh temporary directory. */
  stateDir?: string;
  accounts?: string[];
  workspaces?: string[];
  /**
   * `aws:SourceIp` for every caller instead of the TCP peer. Must be an IPv4 or IPv6 address;
   * anything else, "" included, is refused at start (leave it unset for the TCP peer).
   */
  sourceIp?: string;
  /**
   * Let each request set `aws:SourceIp` with the `x-bb-oidc-source-ip` header: an address, or
   * `none` to make `aws:SourceIp` absent for that request (IfExists / Null conditions).
   */
  trustSourceIpHeader?: boolean;
  /** The emulator's clock, epoch milliseconds (as Date.now). */
  now?: () => number;
  /**
   * Organizational units for service-managed StackSets: OU ID → member accounts (each must be
   * one of `accounts`).
   */
  organizations?: Readonly<Record<string, readonly string[]>>;
  /** Unexpected errors inside request handling (answered as 500 InternalFailure). */
  onInternalError?: (err: unknown) => void;
  /**
   * Let the admin endpoints (`/_emulator/faults` on the AWS port; mint, rotate-keys and
   * workspaces on the Bitbucket port) answer callers that are not on loopback. Default: refused.
   */
  allowRemoteAdmin?: boolean;
  /**
   * `<state>/audit.log` bounds: rotated at `maxFileBytes` (default 10 MiB) keeping `keepFiles`
   * earlier files (default 5); unauthenticated refusals summed up every `summaryIntervalMs`
   * (default 60 s).
   */
  audit?: AuditLogOptions;
}

export interface EmulatorWorkspace {
  slug: string;
  uuid: string;
  issuer: string;
}

export interface RunningEmulator {
  awsEndpoint: string;
  bitbucketEndpoint: string;
  /** The root CA's PEM file: trust it for the Bitbucket side (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  stateDir: string;
  accounts: Array<Pick<AccountRecord, "id" | "accessKeyId" | "secretAccessKey">>;
  workspaces: EmulatorWorkspace[];
  /** IAM's thumbprint for the issuer host (the emulator's intermediate CA). */
  thumbprint: string;
  store: Store;
  aws: AwsEndpoint;
  /** Answers requests in flight, then flushes and releases the state directory. */
  close(): Promise<void>;
}

/** Bitbucket's OIDC issuer (HTTPS) and AWS STS/IAM (HTTP, Query protocol) on loopback. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  // Before anything is created: a bad option or a taken port must not leave a state directory
  // behind, nor wait for a CA to be generated.
  checkSourceIpOption(options.sourceIp);
  await probePorts(host, [
    { side: "aws", port: options.awsPort ?? DEFAULT_AWS_PORT },
    { side: "bitbucket", port: options.bitbucketPort ?? DEFAULT_BITBUCKET_PORT },
  ]);
  const stateDir = options.stateDir
    ? resolve(options.stateDir)
    : await mkdtemp(join(tmpdir(), "bb-oidc-emulator-"));
  // No mkdir here: openStore classifies the path first (a file, a foreign directory, …) and
  // creates the directory only when nothing is there, so a bad path is refused untouched.
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);

  const store = await openStore(stateDir);
  const cleanups: Array<() => Promise<void>> = [() => store.close()];
  const unwind = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    const ca = await loadOrCreateCa(store, { now: nowSeconds() });
    const workspaces: EmulatorWorkspace[] = [];
    for (const slug of options.workspaces ?? ["acme"]) {
      const ws = await ensureWorkspace(store, slug, { now: nowSeconds() });
      workspaces.push({ slug: ws.slug, uuid: ws.uuid, issuer: issuerFor(ws.slug) });
    }
    const bitbucketPort = options.bitbucketPort ?? DEFAULT_BITBUCKET_PORT;
    const bitbucket = await startBitbucketServer({
      store,
      host,
      port: bitbucketPort,
      ca,
      now: nowSeconds,
      allowRemoteAdmin: options.allowRemoteAdmin === true,
    }).catch((err: unknown) => {
      throw listenError(err, "bitbucket", host, bitbucketPort);
    });
    cleanups.push(() => bitbucket.close());
    const awsPort = options.awsPort ?? DEFAULT_AWS_PORT;
    const aws = await startAwsEndpoint({
      store,
      accounts: options.accounts ?? ["111111111111"],
      host,
      port: awsPort,
      stateDir,
      issuerAccess: {
        ca: ca.rootPem,
        hostMap: { [BITBUCKET_API_HOST]: `${connectableHost(host)}:${bitbucket.port}` },
      },
      now,
      sourceIp: options.sourceIp,
      trustSourceIpHeader: options.trustSourceIpHeader,
      onInternalError: options.onInternalError,
      allowRemoteAdmin: options.allowRemoteAdmin === true,
      ...(options.audit ? { audit: options.audit } : {}),
    }).catch((err: unknown) => {
      throw listenError(err, "aws", host, awsPort);
    });
    cleanups.push(() => aws.close());
    if (options.organizations && Object.keys(options.organizations).length > 0) {
      await registerOrganization(aws.backend, options.organizations, {
        managementAccount: aws.accounts[0]!.id,
      });
    }
    let closing: Promise<void> | undefined;
    return {
      awsEndpoint: aws.url,
      bitbucketEndpoint: bitbucket.url,
      caFile: ca.caFile,
      stateDir,
      accounts: aws.accounts.map(({ id, accessKeyId, secretAccessKey }) => ({
        id,
        accessKeyId,
        secretAccessKey,
      })),
      workspaces,
      thumbprint: ca.thumbprint,
      store,
      aws,
      close() {
        // Servers first (they finish in-flight requests that may still write), then the store.
        closing ??= (async () => {
          await Promise.all([aws.close(), bitbucket.close()]);
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** A wildcard bind address is not something to connect to; loopback is. */
function connectableHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
