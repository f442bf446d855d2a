import type { StsWorld } from "../../sts/types.js";
import type { Store } from "../store/types.js";
import { Accounts } from "./accounts.js";
import { AuditLog, type AuditLogOptions } from "./audit.js";
import { AwsError } from "./errors.js";
import { Faults } from "./faults.js";
import { IamState } from "./iam/state.js";
import { defaultRandom, type RandomSource } from "./random.js";
import { SessionAuthority } from "./sessions.js";
import { SignatureWorker } from "./signature-worker.js";
import { type IssuerAccess, IssuerKeys, stsWorld } from "./sts/world.js";

/** The state every service handler shares. One per emulator; nothing in it grows per request. */
export interface AwsBackend {
  store: Store;
  accounts: Accounts;
  sessions: SessionAuthority;
  /** Token signatures are checked here (a worker thread). */
  signatures: SignatureWorker;
  iam: IamState;
  issuers: IssuerKeys;
  world: StsWorld;
  audit: AuditLog;
  faults: Faults;
  random: RandomSource;
  /** Epoch milliseconds. */
  now(): number;
}

export interface AwsBackendOptions {
  store: Store;
  accounts: string[];
  issuerAccess?: IssuerAccess;
  /** `<stateDir>/audit.log`; absent: no audit log. */
  auditPath?: string;
  /** Rotation and summary settings of the audit log. */
  audit?: AuditLogOptions;
  now?: () => number;
  random?: RandomSource;
}

export async function createAwsBackend(options: AwsBackendOptions): Promise<AwsBackend> {
  const now = options.now ?? Date.now;
  const random = options.random ?? defaultRandom;
  const issuers = new IssuerKeys(options.issuerAccess, now);
  const iam = new IamState({
    store: options.store,
    random,
    now,
    // IAM takes the thumbprint itself when none is given (since 2024). The emulator can only do
    // that for the issuers it serves; other URLs get none, since it never goes to the network.
    fetchThumbprints: async (url) => {
      if (!issuers.serves(url)) return [];
      try {
        return [await issuers.thumbprint(url)];
      } catch {
        throw new AwsError(
          "OpenIdIdpCommunicationError",
          400,
          `Could not connect to the OpenID Connect provider at ${url} to read its certificate thumbprint.`,
        );
      }
    },
  });
  const signatures = new SignatureWorker();
  return {
    store: options.store,
    accounts: await Accounts.open(options.store, options.accounts, random),
    sessions: await SessionAuthority.open(options.store, random),
    signatures,
    iam,
    issuers,
    world: stsWorld(iam, issuers, signatures),
    audit: new AuditLog(options.auditPath, { now, ...options.audit }),
    faults: new Faults(),
    random,
    now,
  };
}
