/**
 * The emulator door: a decision case through the running emulator over HTTP, with the real AWS
 * SDK. IAM state (OIDC provider, role) is created through the IAM API with the account's admin
 * keys; the token is signed with the emulator workspace's active key, so the emulator's STS
 * verifies it against the keys.json its Bitbucket side serves; AssumeRoleWithWebIdentity goes
 * unsigned through `@aws-sdk/client-sts`, at the case's `now` (the emulator's injected clock).
 */
import { createPublicKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteOpenIDConnectProviderCommand,
  DeleteRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { importJWK } from "jose";
import type { AuditEntry } from "../../src/emulator/aws/audit.js";
import { activeKey, publishedKeys } from "../../src/emulator/bitbucket/signing-keys.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { BbOidcError } from "../../src/errors.js";
import { type WebIdentityDecision, wireErrorOf } from "../../src/sts/index.js";
import {
  buildSignedToken,
  type CaseKeys,
  type DecisionCase,
  type DoorCapabilities,
  doorSkipReason,
  providerOf,
  requestOf,
} from "./case-kit.js";
import { decideCase } from "./library-door.js";

/** What the emulator can do as a door (see `doorSkipReason`). */
export const EMULATOR_CAPABILITIES: DoorCapabilities = {
  // keys.json serves the workspace's RS256 keys only (signing-keys.ts): no EC key to sign with.
  ecKey: false,
  // trustSourceIpHeader: `x-bb-oidc-source-ip` sets aws:SourceIp per request.
  chooseSourceIp: true,
  // trustSourceIpHeader: `x-bb-oidc-source-ip: none` makes aws:SourceIp absent for a request.
  omitSourceIp: true,
  accounts: true,
};

const BITBUCKET_ISSUER =
  /^https?:\/\/api\.bitbucket\.org\/2\.0\/workspaces\/([^/]+)\/pipelines-config\/identity\/oidc\/?$/i;

/** The workspace slug of a Bitbucket issuer URL (any spelling the cases use), or undefined. */
export function issuerWorkspace(iss: string): string | undefined {
  return BITBUCKET_ISSUER.exec(iss)?.[1];
}

/**
 * Why the emulator door cannot run a case, or undefined. Tokens whose `iss` names a Bitbucket
 * workspace the emulator does not serve (or spells it differently) are still signed with the
 * emulator workspace's key: such cases are decided before any key is fetched.
 */
export function emulatorSkipReason(c: DecisionCase): string | undefined {
  const reason = doorSkipReason(c, EMULATOR_CAPABILITIES);
  if (reason) return `emulator: ${reason}`;
  const iss = c.token.claims?.iss;
  if (typeof iss === "string" && issuerWorkspace(iss) === undefined) {
    return `emulator: the issuer ${iss} is not a Bitbucket issuer the emulator can serve`;
  }
  return undefined;
}

/** One door's answer, in the terms both doors can give. */
export interface DoorAnswer {
  decision: "allow" | "deny";
  code?: string;
  httpStatus?: number;
  message?: string;
  assumedRoleArn?: string;
  subject?: string;
  audience?: string;
  providerArn?: string;
  durationSeconds?: number;
}

/** What the emulator said, with what the runner also checks (SDK name, credentials, audit). */
export interface EmulatorResult {
  answer: DoorAnswer;
  /** "iam": IAM refused the case's provider or role (e.g. MalformedPolicyDocument). */
  stage: "iam" | "sts";
  /** The SDK error's `name` (the modeled exception class or the code). */
  sdkName?: string;
  requestId?: string;
  credentials?: {
    accessKeyId?: string;
    secretAccessKey?: string;
    sessionToken?: string;
    expiration?: Date;
  };
  assumedRoleId?: string;
  /** The token sent (never expected in the audit log). */
  token: string;
}

/** The library's decision as a door answer. */
export function libraryAnswer(d: WebIdentityDecision): DoorAnswer {
  if (!d.ok) {
    return {
      decision: "deny",
      code: d.error.code,
      httpStatus: d.error.httpStatus,
      message: d.error.message,
    };
  }
  return {
    decision: "allow",
    assumedRoleArn: d.assumedRoleArn,
    subject: d.subject,
    audience: d.audience,
    providerArn: d.providerArn,
    durationSeconds: d.durationSeconds,
  };
}

/**
 * The library door for comparison: its decision, or — when the trust policy does not compile
 * (staticWorld throws) — IAM's refusal, which is what the emulator's CreateRole answers.
 */
export async function libraryResult(
  c: DecisionCase,
  keys: CaseKeys,
): Promise<{ answer: DoorAnswer; decision?: WebIdentityDecision; stage: "iam" | "sts" }> {
  try {
    const decision = await decideCase(c, keys);
    return { answer: libraryAnswer(decision), decision, stage: "sts" };
  } catch (err) {
    // What IAM answers for a trust policy that does not compile.
    const wire = err instanceof BbOidcError ? wireErrorOf(err, "iam") : undefined;
    if (wire) {
      return {
        answer: {
          decision: "deny",
          code: wire.code,
          httpStatus: wire.httpStatus,
          message: wire.message,
        },
        stage: "iam",
      };
    }
    throw err;
  }
}

/** Error codes the SDK models as exception classes with a different `name`. */
const SDK_EXCEPTION_NAMES: Readonly<Record<string, string>> = {
  InvalidIdentityToken: "InvalidIdentityTokenException",
  IDPRejectedClaim: "IDPRejectedClaimException",
  IDPCommunicationError: "IDPCommunicationErrorException",
  MalformedPolicyDocument: "MalformedPolicyDocumentException",
  PackedPolicyTooLarge: "PackedPolicyTooLargeException",
};

/** The `name` the SDK gives an error with this wire code. */
export function sdkNameOf(code: string): string {
  return SDK_EXCEPTION_NAMES[code] ?? code;
}

interface SdkError {
  name: string;
  message: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

function isSdkError(err: unknown): err is SdkError {
  return (
    err instanceof Error &&
    typeof (err as SdkError).$metadata === "object" &&
    (err as SdkError).$metadata?.httpStatusCode !== undefined
  );
}

const roleNameOf = (c: DecisionCase) => c.role.name;

/** A workspace's active key as case-kit signing keys, and the JWKS its keys.json serves. */
async function workspaceKeys(emulator: RunningEmulator, slug: string): Promise<CaseKeys> {
  const key = activeKey(emulator.store, slug);
  if (!key) throw new Error(`the emulator has no active signing key for ${slug}`);
  const privateKey = (await importJWK(key.privateJwk, "RS256")) as CryptoKey;
  const rsaPublicPem = createPublicKey({ key: key.publicJwk as never, format: "jwk" })
    .export({ type: "spki", format: "pem" })
    .toString();
  return {
    signing: { rsa: { privateKey, kid: key.kid }, rsaPublicPem },
    // What keys.json serves: the library decides against the very same key.
    jwks: { keys: publishedKeys(emulator.store, slug, Math.floor(Date.now() / 1000)) },
  };
}

/** A running emulator with the accounts and workspaces the cases need, driven case by case. */
export class EmulatorDoor {
  private readonly providers = new Map<string, string>();
  private readonly roles = new Map<string, string>();
  private readonly iamClients = new Map<string, IAMClient>();
  private readonly sts: STSClient;

  private constructor(
    readonly emulator: RunningEmulator,
    /** Per workspace slug: its active key (to sign with) and what its keys.json serves. */
    private readonly keysBySlug: ReadonlyMap<string, CaseKeys>,
    /** Epoch ms the emulator sees; undefined = the real clock (SigV4 for IAM calls needs it). */
    private readonly setClock: (ms: number | undefined) => void,
  ) {
    this.sts = new STSClient({
      endpoint: emulator.awsEndpoint,
      region: "us-east-1",
      maxAttempts: 1,
      // AssumeRoleWithWebIdentity is unsigned: a provider that is never asked.
      credentials: async () => {
        throw new Error("AssumeRoleWithWebIdentity needs no credentials");
      },
    });
  }

  static async start(options: {
    accounts: string[];
    workspaces: string[];
    stateDir: string;
    onInternalError?: (err: unknown) => void;
  }): Promise<EmulatorDoor> {
    const clock: { ms: number | undefined } = { ms: undefined };
    const emulator = await startEmulator({
      awsPort: 0,
      bitbucketPort: 0,
      stateDir: options.stateDir,
      accounts: options.accounts,
      workspaces: options.workspaces,
      trustSourceIpHeader: true,
      now: () => clock.ms ?? Date.now(),
      onInternalError: options.onInternalError,
    });
    try {
      const keys = new Map<string, CaseKeys>();
      for (const ws of emulator.workspaces)
        keys.set(ws.slug, await workspaceKeys(emulator, ws.slug));
      return new EmulatorDoor(emulator, keys, (ms) => {
        clock.ms = ms;
      });
    } catch (err) {
      await emulator.close();
      throw err;
    }
  }

  /**
   * The keys a case is signed and decided with: those of the workspace its `iss` names when the
   * emulator serves it, else of the workspace of the provider URL, else of the first workspace
   * (such tokens are refused before any key is fetched: no provider for their issuer).
   */
  keysFor(c: DecisionCase): CaseKeys {
    const iss = c.token.claims?.iss;
    const slugs = [
      typeof iss === "string" ? issuerWorkspace(iss) : undefined,
      issuerWorkspace(c.provider.url),
    ];
    for (const slug of slugs) {
      const keys = slug === undefined ? undefined : this.keysBySlug.get(slug);
      if (keys) return keys;
    }
    return this.keysBySlug.values().next().value!;
  }

  private iam(account: string): IAMClient {
    let client = this.iamClients.get(account);
    if (!client) {
      const creds = this.emulator.accounts.find((a) => a.id === account);
      if (!creds) throw new Error(`the emulator has no account ${account}`);
      client = new IAMClient({
        endpoint: this.emulator.awsEndpoint,
        region: "us-east-1",
        maxAttempts: 1,
        credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
      });
      this.iamClients.set(account, client);
    }
    return client;
  }

  /**
   * IAM as the case describes it: the provider in its account only (reused when unchanged),
   * the role re-created. Returns IAM's refusal, if any.
   */
  private async provision(c: DecisionCase): Promise<SdkError | undefined> {
    this.setClock(undefined);
    const p = providerOf(c);
    const wanted = JSON.stringify([p.url, p.clientIds]);
    try {
      for (const account of this.emulator.accounts.map((a) => a.id)) {
        const current = this.providers.get(account);
        const want = account === p.account ? wanted : undefined;
        if (current === want) continue;
        if (current !== undefined) {
          const currentUrl = (JSON.parse(current) as [string])[0].replace(/^https:\/\//, "");
          await this.iam(account).send(
            new DeleteOpenIDConnectProviderCommand({
              OpenIDConnectProviderArn: `arn:aws:iam::${account}:oidc-provider/${currentUrl}`,
            }),
          );
          this.providers.delete(account);
        }
        if (want !== undefined) {
          // No ThumbprintList: the emulator reads its issuer's chain, as IAM does since 2024.
          await this.iam(account).send(
            new CreateOpenIDConnectProviderCommand({ Url: p.url, ClientIDList: p.clientIds }),
          );
          this.providers.set(account, want);
        }
      }
      const roleAccount = c.role.account;
      const existing = this.roles.get(roleAccount);
      if (existing !== undefined) {
        await this.iam(roleAccount).send(new DeleteRoleCommand({ RoleName: existing }));
        this.roles.delete(roleAccount);
      }
      const policy = c.role.trustPolicy;
      await this.iam(roleAccount).send(
        new CreateRoleCommand({
          RoleName: roleNameOf(c),
          Path: c.role.path ?? "/",
          AssumeRolePolicyDocument: typeof policy === "string" ? policy : JSON.stringify(policy),
          MaxSessionDuration: c.role.maxSessionDuration ?? 3600,
        }),
      );
      this.roles.set(roleAccount, roleNameOf(c));
      return undefined;
    } catch (err) {
      if (isSdkError(err)) return err;
      throw err;
    }
  }

  /** Runs one case through IAM and STS over HTTP. Not re-entrant (one clock): run in sequence. */
  async run(c: DecisionCase): Promise<EmulatorResult> {
    const token = await buildSignedToken(c, this.keysFor(c).signing);
    const refused = await this.provision(c);
    if (refused) {
      return {
        stage: "iam",
        token,
        sdkName: refused.name,
        requestId: refused.$metadata?.requestId,
        answer: {
          decision: "deny",
          code: refused.Code ?? refused.name,
          httpStatus: refused.$metadata?.httpStatusCode,
          message: refused.message,
        },
      };
    }
    const r = requestOf(c);
    const command = new AssumeRoleWithWebIdentityCommand({
      RoleArn: r.roleArn,
      RoleSessionName: r.roleSessionName,
      WebIdentityToken: token,
      ...(r.durationSeconds !== undefined ? { DurationSeconds: r.durationSeconds } : {}),
    });
    // The case's address, or `none` when the case needs the caller address absent.
    const ip = c.request?.sourceIp === null ? "none" : r.sourceIp;
    if (ip !== undefined) {
      command.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) request.headers["x-bb-oidc-source-ip"] = ip;
          return next(args);
        },
        { step: "build", name: "bbOidcSourceIpHeader" },
      );
    }
    this.setClock(c.now * 1000);
    try {
      const out = await this.sts.send(command);
      return {
        stage: "sts",
        token,
        requestId: out.$metadata.requestId,
        answer: {
          decision: "allow",
          assumedRoleArn: out.AssumedRoleUser?.Arn,
          subject: out.SubjectFromWebIdentityToken,
          audience: out.Audience,
          providerArn: out.Provider,
          durationSeconds:
            out.Credentials?.Expiration !== undefined
              ? Math.round(out.Credentials.Expiration.getTime() / 1000) - c.now
              : undefined,
        },
        assumedRoleId: out.AssumedRoleUser?.AssumedRoleId,
        credentials: {
          accessKeyId: out.Credentials?.AccessKeyId,
          secretAccessKey: out.Credentials?.SecretAccessKey,
          sessionToken: out.Credentials?.SessionToken,
          expiration: out.Credentials?.Expiration,
        },
      };
    } catch (err) {
      if (!isSdkError(err)) throw err;
      return {
        stage: "sts",
        token,
        sdkName: err.name,
        requestId: err.$metadata?.requestId,
        answer: {
          decision: "deny",
          code: err.Code ?? err.name,
          httpStatus: err.$metadata?.httpStatusCode,
          message: err.message,
        },
      };
    } finally {
      this.setClock(undefined);
    }
  }

  /** Closes the emulator (flushing the audit log) and returns the log's entries and text. */
  async closeAndReadAudit(): Promise<{ entries: AuditEntry[]; text: string }> {
    await this.close();
    const text = await readFile(join(this.emulator.stateDir, "audit.log"), "utf8").catch(() => "");
    const entries = text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as AuditEntry);
    return { entries, text };
  }

  async close(): Promise<void> {
    for (const c of this.iamClients.values()) c.destroy();
    this.sts.destroy();
    await this.emulator.close();
  }
}
