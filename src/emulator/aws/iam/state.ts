import { createHash } from "node:crypto";
import { compilePolicy, policySize } from "../../../policy/index.js";
import type { CompiledPolicy } from "../../../policy/types.js";
import { IAM_NAME_CHARS, iamNamePattern } from "../../../shared/iam-names.js";
import { isoSecondsFromMs } from "../../../shared/iso-time.js";
import type { OidcProviderRecord, RoleRecord } from "../../../sts/types.js";
import { arnPattern, parseRoleArn } from "../../../sts/validate-params.js";
import type { Store } from "../../store/types.js";
import {
  AwsError,
  checkConstraints,
  deleteConflict,
  entityAlreadyExists,
  invalidInput,
  limitExceeded,
  listTooLong,
  noSuchEntity,
} from "../errors.js";
import { awsId, type RandomSource } from "../random.js";
import { awsManagedPolicy, awsManagedPolicyArns } from "./aws-managed.js";
import {
  COLLECTIONS,
  type InlinePolicyStored,
  type ManagedPolicyStored,
  type ManagedPolicyView,
  type OidcProviderStored,
  type RoleStored,
  type TagRecord,
} from "./records.js";

/** IAM quotas (defaults) the emulator enforces. */
export const IAM_LIMITS = {
  providersPerAccount: 100,
  clientIdsPerProvider: 100,
  thumbprintsPerProvider: 5,
  trustPolicySize: 2048,
  managedPolicySize: 6144,
  inlineRolePolicySize: 10240,
  managedPoliciesPerRole: 10,
} as const;

const NAME = { re: iamNamePattern(1), text: `${IAM_NAME_CHARS}+` };
const PATH = {
  re: /^(?:\/|\/[\u0021-\u007e]+\/)$/,
  text: "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
};
const POLICY_DOC = {
  re: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/,
  text: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
};

export interface IamStateOptions {
  store: Store;
  random: RandomSource;
  /** Epoch milliseconds. */
  now: () => number;
  /**
   * IAM fetches a provider's thumbprint itself when ThumbprintList is omitted. Returns the
   * thumbprints, or throws an AwsError (OpenIdIdpCommunicationError). Absent: none are stored.
   */
  fetchThumbprints?: (url: string) => Promise<string[]>;
}

/**
 * IAM's entities and their rules, independent of the wire: the Query handlers call these, and so
 * can a CloudFormation handler creating the same resources. Every mutation resolves only once
 * the store has it on disk.
 */
export class IamState {
  private readonly store: Store;
  private readonly random: RandomSource;
  private readonly now: () => number;
  private readonly fetchThumbprints: IamStateOptions["fetchThumbprints"];
  /** Compiled trust policies by role ARN; recompiled when the text changes. */
  private readonly trustCache = new Map<string, { text: string; compiled: CompiledPolicy }>();
  /**
   * Mutations of one account run one at a time. Every mutation checks the current records, then
   * awaits the store, which shows a write to readers only after its fsync; without this, two
   * CreateRole calls for one name would both pass the existence check and both be acknowledged
   * (the later silently replacing the earlier), and two AttachRolePolicy calls on one role would
   * each write back a list missing the other's ARN.
   */
  private readonly accountLocks = new Map<string, Promise<void>>();

  constructor(options: IamStateOptions) {
    this.store = options.store;
    this.random = options.random;
    this.now = options.now;
    this.fetchThumbprints = options.fetchThumbprints;
  }

  /**
   * Runs `work` once every earlier mutation of `account` has settled, and holds later ones back
   * until it settles. Reads stay lock-free: they see the state as of the last completed write.
   */
  private async exclusive<T>(account: string, work: () => Promise<T>): Promise<T> {
    const before = this.accountLocks.get(account);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before ? before.then(() => mine) : mine;
    this.accountLocks.set(account, tail);
    try {
      if (before) await before;
      return await work();
    } finally {
      release();
      if (this.accountLocks.get(account) === tail) this.accountLocks.delete(account);
    }
  }

  private isoNow(): string {
    return isoSecondsFromMs(this.now());
  }

  // ---- OIDC providers ----------------------------------------------------------------------

  async createOpenIdConnectProvider(
    account: string,
    input: { url: string; clientIds?: string[]; thumbprints?: string[]; tags?: TagRecord[] },
  ): Promise<OidcProviderStored> {
    return this.exclusive(account, async () => {
      const clientIds = dedupe(input.clientIds ?? []);
      checkConstraints(
        [
          { name: "url", value: input.url, required: true, minLength: 1, maxLength: 255 },
          ...clientIds.map((c) => ({
            name: "clientIDList.member",
            value: c,
            minLength: 1,
            maxLength: 255,
          })),
        ],
        [
          ...listTooLong(
            "thumbprintList",
            input.thumbprints ?? [],
            IAM_LIMITS.thumbprintsPerProvider,
          ),
        ],
      );
      const url = providerUrl(input.url);
      const arn = `arn:aws:iam::${account}:oidc-provider/${url}`;
      if (this.store.get(COLLECTIONS.providers, providerKey(account, url))) {
        throw entityAlreadyExists(`Provider with url https://${url} already exists.`);
      }
      if (this.listOpenIdConnectProviders(account).length >= IAM_LIMITS.providersPerAccount) {
        throw limitExceeded(
          `Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${IAM_LIMITS.providersPerAccount}`,
        );
      }
      if (clientIds.length > IAM_LIMITS.clientIdsPerProvider) {
        throw limitExceeded(
          `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${IAM_LIMITS.clientIdsPerProvider}`,
        );
      }
      const thumbprints =
        input.thumbprints !== undefined
          ? checkThumbprints(input.thumbprints)
          : ((await this.fetchThumbprints?.(`https://${url}`)) ?? []);
      const record: OidcProviderStored = {
        account,
        url,
        arn,
        clientIds,
        thumbprints,
        createDate: this.isoNow(),
        tags: input.tags ?? [],
      };
      await this.store.put(COLLECTIONS.providers, providerKey(account, url), record);
      return record;
    });
  }

  getOpenIdConnectProvider(account: string, arn: string): OidcProviderStored {
    checkArn(arn, "openIDConnectProviderArn");
    const prefix = `arn:aws:iam::${account}:oidc-provider/`;
    const record = arn.startsWith(prefix)
      ? this.store.get<OidcProviderStored>(
          COLLECTIONS.providers,
          providerKey(account, arn.slice(prefix.length)),
        )
      : undefined;
    if (!record) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
    return record;
  }

  listOpenIdConnectProviders(account: string): OidcProviderStored[] {
    return this.store
      .list<OidcProviderStored>(COLLECTIONS.providers)
      .filter((p) => p.account === account);
  }

  async deleteOpenIdConnectProvider(account: string, arn: string): Promise<void> {
    return this.exclusive(account, async () => {
      const record = this.getOpenIdConnectProvider(account, arn);
      await this.store.delete(COLLECTIONS.providers, providerKey(account, record.url));
    });
  }

  async updateOpenIdConnectProviderThumbprint(
    account: string,
    arn: string,
    thumbprints: string[],
  ): Promise<void> {
    return this.exclusive(account, async () => {
      checkConstraints(
        [],
        listTooLong("thumbprintList", thumbprints, IAM_LIMITS.thumbprintsPerProvider),
      );
      const record = this.getOpenIdConnectProvider(account, arn);
      await this.saveProvider({ ...record, thumbprints: checkThumbprints(thumbprints) });
    });
  }

  async addClientIdToOpenIdConnectProvider(account: string, arn: string, clientId: string) {
    return this.exclusive(account, async () => {
      checkConstraints([
        { name: "clientID", value: clientId, required: true, minLength: 1, maxLength: 255 },
      ]);
      const record = this.getOpenIdConnectProvider(account, arn);
      // Adding a client ID that is already there succeeds without change, as in IAM.
      if (record.clientIds.includes(clientId)) return;
      if (record.clientIds.length >= IAM_LIMITS.clientIdsPerProvider) {
        throw limitExceeded(
          `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${IAM_LIMITS.clientIdsPerProvider}`,
        );
      }
      await this.saveProvider({ ...record, clientIds: [...record.clientIds, clientId] });
    });
  }

  async removeClientIdFromOpenIdConnectProvider(account: string, arn: string, clientId: string) {
    return this.exclusive(account, async () => {
      checkConstraints([
        { name: "clientID", value: clientId, required: true, minLength: 1, maxLength: 255 },
      ]);
      const record = this.getOpenIdConnectProvider(account, arn);
      // Idempotent: removing an absent client ID is not an error.
      if (!record.clientIds.includes(clientId)) return;
      await this.saveProvider({
        ...record,
        clientIds: record.clientIds.filter((c) => c !== clientId),
      });
    });
  }

  private saveProvider(record: OidcProviderStored): Promise<void> {
    return this.store.put(COLLECTIONS.providers, providerKey(record.account, record.url), record);
  }

  // ---- Roles -------------------------------------------------------------------------------

  async createRole(
    account: string,
    input: {
      name: string;
      path?: string;
      trustPolicy: string;
      description?: string;
      maxSessionDuration?: number;
      tags?: TagRecord[];
    },
  ): Promise<RoleStored> {
    return this.exclusive(account, async () => {
      const path = input.path ?? "/";
      checkConstraints([
        {
          name: "roleName",
          value: input.name,
          required: true,
          minLength: 1,
          maxLength: 64,
          pattern: NAME,
        },
        { name: "path", value: path, minLength: 1, maxLength: 512, pattern: PATH },
        {
          name: "assumeRolePolicyDocument",
          value: input.trustPolicy,
          required: true,
          minLength: 1,
          maxLength: 131072,
          pattern: POLICY_DOC,
        },
        { name: "description", value: input.description, maxLength: 1000 },
        { name: "maxSessionDuration", value: input.maxSessionDuration, min: 3600, max: 43200 },
      ]);
      if (this.findRole(account, input.name)) {
        throw entityAlreadyExists(`Role with name ${input.name} already exists.`);
      }
      const arn = `arn:aws:iam::${account}:role${path}${input.name}`;
      this.checkTrustPolicy(arn, input.trustPolicy);
      const record: RoleStored = {
        account,
        name: input.name,
        path,
        roleId: awsId("AROA", this.random, 21),
        arn,
        trustPolicy: input.trustPolicy,
        maxSessionDuration: input.maxSessionDuration ?? 3600,
        createDate: this.isoNow(),
        attachedPolicyArns: [],
        tags: input.tags ?? [],
      };
      if (input.description !== undefined) record.description = input.description;
      await this.saveRole(record);
      return record;
    });
  }

  getRole(account: string, name: string): RoleStored {
    checkConstraints([
      { name: "roleName", value: name, required: true, minLength: 1, maxLength: 64, pattern: NAME },
    ]);
    const record = this.findRole(account, name);
    if (!record) throw noSuchEntity(`The role with name ${name} cannot be found.`);
    return record;
  }

  listRoles(account: string, pathPrefix = "/"): RoleStored[] {
    return this.store
      .list<RoleStored>(COLLECTIONS.roles)
      .filter((r) => r.account === account && r.path.startsWith(pathPrefix));
  }

  async deleteRole(account: string, name: string): Promise<void> {
    return this.exclusive(account, async () => {
      const record = this.getRole(account, name);
      if (record.attachedPolicyArns.length > 0) {
        throw deleteConflict("Cannot delete entity, must detach all policies first.");
      }
      if (this.listRolePolicies(account, name).length > 0) {
        throw deleteConflict("Cannot delete entity, must delete policies first.");
      }
      await this.store.delete(COLLECTIONS.roles, roleKey(account, record.name));
      this.trustCache.delete(record.arn);
    });
  }

  async updateAssumeRolePolicy(account: string, name: string, trustPolicy: string) {
    return this.exclusive(account, async () => {
      checkConstraints([
        {
          name: "policyDocument",
          value: trustPolicy,
          required: true,
          minLength: 1,
          maxLength: 131072,
          pattern: POLICY_DOC,
        },
      ]);
      const record = this.getRole(account, name);
      this.checkTrustPolicy(record.arn, trustPolicy);
      await this.saveRole({ ...record, trustPolicy });
    });
  }

  async updateRole(
    account: string,
    name: string,
    input: { description?: string; maxSessionDuration?: number },
  ): Promise<void> {
    return this.exclusive(account, async () => {
      checkConstraints([
        { name: "description", value: input.description, maxLength: 1000 },
        { name: "maxSessionDuration", value: input.maxSessionDuration, min: 3600, max: 43200 },
      ]);
      const record = this.getRole(account, name);
      const next = { ...record };
      if (input.description !== undefined) next.description = input.description;
      if (input.maxSessionDuration !== undefined)
        next.maxSessionDuration = input.maxSessionDuration;
      await this.saveRole(next);
    });
  }

  async attachRolePolicy(account: string, roleName: string, policyArn: string): Promise<void> {
    return this.exclusive(account, async () => {
      checkArn(policyArn, "policyArn");
      const role = this.getRole(account, roleName);
      this.getPolicy(account, policyArn, "attach");
      if (role.attachedPolicyArns.includes(policyArn)) return;
      if (role.attachedPolicyArns.length >= IAM_LIMITS.managedPoliciesPerRole) {
        throw limitExceeded(
          `Cannot exceed quota for PoliciesPerRole: ${IAM_LIMITS.managedPoliciesPerRole}`,
        );
      }
      await this.saveRole({ ...role, attachedPolicyArns: [...role.attachedPolicyArns, policyArn] });
    });
  }

  async detachRolePolicy(account: string, roleName: string, policyArn: string): Promise<void> {
    return this.exclusive(account, async () => {
      checkArn(policyArn, "policyArn");
      const role = this.getRole(account, roleName);
      if (!role.attachedPolicyArns.includes(policyArn)) {
        throw noSuchEntity(`Policy ${policyArn} was not found.`);
      }
      await this.saveRole({
        ...role,
        attachedPolicyArns: role.attachedPolicyArns.filter((a) => a !== policyArn),
      });
    });
  }

  listAttachedRolePolicies(
    account: string,
    roleName: string,
  ): Array<{ name: string; arn: string }> {
    const role = this.getRole(account, roleName);
    return role.attachedPolicyArns.map((arn) => ({
      arn,
      name: arn.slice(arn.lastIndexOf("/") + 1),
    }));
  }

  async putRolePolicy(account: string, roleName: string, policyName: string, document: string) {
    return this.exclusive(account, async () => {
      checkConstraints([
        {
          name: "roleName",
          value: roleName,
          required: true,
          minLength: 1,
          maxLength: 64,
          pattern: NAME,
        },
        {
          name: "policyName",
          value: policyName,
          required: true,
          minLength: 1,
          maxLength: 128,
          pattern: NAME,
        },
        {
          name: "policyDocument",
          value: document,
          required: true,
          minLength: 1,
          maxLength: 131072,
          pattern: POLICY_DOC,
        },
      ]);
      const role = this.getRole(account, roleName);
      compileOrThrow(document, "identity");
      const others = this.listRolePolicies(account, roleName).filter(
        (p) => p.policyName !== policyName,
      );
      const total = others.reduce((n, p) => n + policySize(p.document), policySize(document));
      if (total > IAM_LIMITS.inlineRolePolicySize) {
        throw limitExceeded(
          `Maximum policy size of ${IAM_LIMITS.inlineRolePolicySize} bytes exceeded for role ${role.name}`,
        );
      }
      const record: InlinePolicyStored = { account, roleName: role.name, policyName, document };
      await this.store.put(
        COLLECTIONS.rolePolicies,
        inlineKey(account, role.name, policyName),
        record,
      );
    });
  }

  getRolePolicy(account: string, roleName: string, policyName: string): InlinePolicyStored {
    const role = this.getRole(account, roleName);
    const record = this.store.get<InlinePolicyStored>(
      COLLECTIONS.rolePolicies,
      inlineKey(account, role.name, policyName),
    );
    if (!record) throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
    return record;
  }

  async deleteRolePolicy(account: string, roleName: string, policyName: string): Promise<void> {
    return this.exclusive(account, async () => {
      const record = this.getRolePolicy(account, roleName, policyName);
      await this.store.delete(
        COLLECTIONS.rolePolicies,
        inlineKey(account, record.roleName, record.policyName),
      );
    });
  }

  listRolePolicies(account: string, roleName: string): InlinePolicyStored[] {
    const lower = roleName.toLowerCase();
    return this.store
      .list<InlinePolicyStored>(COLLECTIONS.rolePolicies)
      .filter((p) => p.account === account && p.roleName.toLowerCase() === lower);
  }

  private peek<T>(collection: string, key: string): Readonly<T> | undefined {
    return this.store.peek
      ? this.store.peek<T>(collection, key)
      : this.store.get<T>(collection, key);
  }

  private findRole(account: string, name: string): RoleStored | undefined {
    return this.store.get<RoleStored>(COLLECTIONS.roles, roleKey(account, name));
  }

  private async saveRole(record: RoleStored): Promise<void> {
    await this.store.put(COLLECTIONS.roles, roleKey(record.account, record.name), record);
  }

  private checkTrustPolicy(roleArn: string, text: string): void {
    const compiled = compileOrThrow(text, "trust");
    // IAM counts the trust policy without whitespace against ACLSizePerRole.
    if (policySize(text) > IAM_LIMITS.trustPolicySize) {
      throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${IAM_LIMITS.trustPolicySize}`);
    }
    this.trustCache.set(roleArn, { text, compiled });
  }

  // ---- Managed policies --------------------------------------------------------------------

  async createPolicy(
    account: string,
    input: {
      name: string;
      path?: string;
      document: string;
      description?: string;
      tags?: TagRecord[];
    },
  ): Promise<ManagedPolicyView> {
    return this.exclusive(account, async () => {
      const path = input.path ?? "/";
      checkConstraints([
        {
          name: "policyName",
          value: input.name,
          required: true,
          minLength: 1,
          maxLength: 128,
          pattern: NAME,
        },
        { name: "path", value: path, minLength: 1, maxLength: 512, pattern: PATH },
        {
          name: "policyDocument",
          value: input.document,
          required: true,
          minLength: 1,
          maxLength: 131072,
          pattern: POLICY_DOC,
        },
        { name: "description", value: input.description, maxLength: 1000 },
      ]);
      if (this.store.get(COLLECTIONS.policies, policyKey(account, input.name))) {
        throw entityAlreadyExists(
          `A policy called ${input.name} already exists. Duplicate names are not allowed.`,
        );
      }
      compileOrThrow(input.document, "identity");
      if (policySize(input.document) > IAM_LIMITS.managedPolicySize) {
        throw limitExceeded(`Cannot exceed quota for PolicySize: ${IAM_LIMITS.managedPolicySize}`);
      }
      const now = this.isoNow();
      const record: ManagedPolicyStored = {
        account,
        name: input.name,
        path,
        policyId: awsId("ANPA", this.random, 21),
        arn: `arn:aws:iam::${account}:policy${path}${input.name}`,
        document: input.document,
        createDate: now,
        updateDate: now,
        tags: input.tags ?? [],
      };
      if (input.description !== undefined) record.description = input.description;
      await this.store.put(COLLECTIONS.policies, policyKey(account, input.name), record);
      return this.policyView(account, record);
    });
  }

  /** A customer managed policy of this account, or an AWS managed one. */
  getPolicy(account: string, arn: string, purpose: "get" | "attach" = "get"): ManagedPolicyView {
    checkArn(arn, "policyArn");
    const aws = awsManagedPolicy(arn);
    if (aws) return awsPolicyView(arn, aws, this.attachmentCount(account, arn));
    const record = this.findPolicy(account, arn);
    if (!record) {
      throw noSuchEntity(
        purpose === "attach"
          ? `Policy ${arn} does not exist or is not attachable.`
          : `Policy ${arn} was not found.`,
      );
    }
    return this.policyView(account, record);
  }

  getPolicyDocument(account: string, arn: string): string | undefined {
    return this.findPolicy(account, arn)?.document;
  }

  async deletePolicy(account: string, arn: string): Promise<void> {
    return this.exclusive(account, async () => {
      checkArn(arn, "policyArn");
      if (awsManagedPolicy(arn)) {
        throw new AwsError("UnmodifiableEntity", 400, `Cannot delete AWS managed policy ${arn}.`);
      }
      const record = this.findPolicy(account, arn);
      if (!record) throw noSuchEntity(`Policy ${arn} was not found.`);
      if (this.attachmentCount(account, arn) > 0) {
        throw deleteConflict("Cannot delete a policy attached to entities.");
      }
      await this.store.delete(COLLECTIONS.policies, policyKey(account, record.name));
    });
  }

  listPolicies(
    account: string,
    opts: { scope?: "All" | "AWS" | "Local"; onlyAttached?: boolean; pathPrefix?: string } = {},
  ): ManagedPolicyView[] {
    const scope = opts.scope ?? "All";
    const out: ManagedPolicyView[] = [];
    if (scope !== "Local") {
      for (const arn of awsManagedPolicyArns()) out.push(this.getPolicy(account, arn));
    }
    if (scope !== "AWS") {
      for (const r of this.store.list<ManagedPolicyStored>(COLLECTIONS.policies)) {
        if (r.account === account) out.push(this.policyView(account, r));
      }
    }
    return out.filter(
      (p) =>
        p.path.startsWith(opts.pathPrefix ?? "/") && (!opts.onlyAttached || p.attachmentCount > 0),
    );
  }

  private findPolicy(account: string, arn: string): ManagedPolicyStored | undefined {
    const prefix = `arn:aws:iam::${account}:policy/`;
    if (!arn.startsWith(prefix)) return undefined;
    const name = arn.slice(arn.lastIndexOf("/") + 1);
    const record = this.store.get<ManagedPolicyStored>(
      COLLECTIONS.policies,
      policyKey(account, name),
    );
    return record && record.arn === arn ? record : undefined;
  }

  private attachmentCount(account: string, arn: string): number {
    return this.listRoles(account).filter((r) => r.attachedPolicyArns.includes(arn)).length;
  }

  private policyView(account: string, r: ManagedPolicyStored): ManagedPolicyView {
    const view: ManagedPolicyView = {
      name: r.name,
      path: r.path,
      policyId: r.policyId,
      arn: r.arn,
      createDate: r.createDate,
      updateDate: r.updateDate,
      attachmentCount: this.attachmentCount(account, r.arn),
      tags: r.tags,
    };
    if (r.description !== undefined) view.description = r.description;
    return view;
  }

  // ---- The view STS needs ------------------------------------------------------------------

  // STS reads the stored records without copying them (`peek`): they are frozen, and STS only
  // looks. Each call still reads the current record, so a change is seen by the next request.

  stsProvider(account: string, url: string): OidcProviderRecord | undefined {
    const r = this.peek<OidcProviderStored>(COLLECTIONS.providers, providerKey(account, url));
    return (
      r && {
        arn: r.arn,
        url: r.url,
        clientIds: r.clientIds as string[],
        thumbprints: r.thumbprints as string[],
      }
    );
  }

  stsRole(roleArn: string): RoleRecord | undefined {
    const parts = parseRoleArn(roleArn);
    if (!parts) return undefined;
    const r = this.peek<RoleStored>(COLLECTIONS.roles, roleKey(parts.account, parts.name));
    if (!r || r.arn !== roleArn) return undefined;
    let cached = this.trustCache.get(r.arn);
    if (!cached || cached.text !== r.trustPolicy) {
      // Stored policies were valid when written; compiling again only after a restart or change.
      cached = { text: r.trustPolicy, compiled: compilePolicy(r.trustPolicy, { kind: "trust" }) };
      this.trustCache.set(r.arn, cached);
    }
    return {
      arn: r.arn,
      name: r.name,
      roleId: r.roleId,
      trustPolicy: cached.compiled,
      maxSessionDuration: r.maxSessionDuration,
    };
  }
}

function compileOrThrow(text: string, kind: "trust" | "identity"): CompiledPolicy {
  try {
    return compilePolicy(text, { kind });
  } catch (err) {
    throw AwsError.of(err, "iam") ?? err;
  }
}

/** `https://host/path` → `host/path`, with IAM's rules on what a provider URL may be. */
function providerUrl(raw: string): string {
  if (!raw.startsWith("https://")) {
    throw invalidInput(`Invalid URL: the Url must begin with https:// (got '${raw}').`);
  }
  const rest = raw.slice("https://".length);
  if (rest === "" || rest.startsWith("/")) throw invalidInput(`Invalid URL: '${raw}' has no host.`);
  if (/[?#]/.test(rest)) {
    throw invalidInput(`Invalid URL: '${raw}' must not contain a query string or fragment.`);
  }
  if (/\s/.test(rest)) throw invalidInput(`Invalid URL: '${raw}' contains whitespace.`);
  return rest;
}

function checkThumbprints(values: string[]): string[] {
  for (const t of values) {
    if (!/^[0-9a-fA-F]{40}$/.test(t)) {
      throw invalidInput(
        `Thumbprint '${t}' is invalid: a thumbprint is exactly 40 hexadecimal characters (the SHA-1 of the certificate).`,
      );
    }
  }
  return dedupe(values.map((t) => t.toLowerCase()));
}

function checkArn(arn: string, member: string): void {
  checkConstraints([
    {
      name: member,
      value: arn,
      required: true,
      minLength: 20,
      maxLength: 2048,
      pattern: arnPattern,
    },
  ]);
  if (!arn.startsWith("arn:")) throw invalidInput(`ARN ${arn} is not valid.`);
}

function awsPolicyView(
  arn: string,
  p: { name: string; path: string },
  attachmentCount: number,
): ManagedPolicyView {
  // Stable synthetic ID and dates: AWS's own are not shipped with the name list.
  const digest = createHash("sha256").update(arn).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let id = "ANPA";
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! & 31];
  return {
    name: p.name,
    path: p.path,
    policyId: id,
    arn,
    createDate: "2015-02-06T18:39:46Z",
    updateDate: "2015-02-06T18:39:46Z",
    attachmentCount,
    tags: [],
  };
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

// Role and policy names are unique case-insensitively within an account, as in IAM.
const providerKey = (account: string, url: string) => `${account}/${url}`;
const roleKey = (account: string, name: string) => `${account}/${name.toLowerCase()}`;
const policyKey = (account: string, name: string) => `${account}/${name.toLowerCase()}`;
const inlineKey = (account: string, role: string, policy: string) =>
  `${account}/${role.toLowerCase()}/${policy}`;
