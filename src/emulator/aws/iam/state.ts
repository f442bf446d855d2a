import type { OidcProviderRecord, RoleRecord } from "../../../sts/types.js";
import type { Store } from "../../store/types.js";
import type { RandomSource } from "../random.js";
import { AccessKeys } from "./access-keys.js";
import { AccountLock } from "./account-lock.js";
import { type AuthorizationDetail, authorizationDetails } from "./authorization-details.js";
import type { IamContext } from "./context.js";
import { type CreatePolicyInput, ManagedPolicies } from "./managed-policies.js";
import { PolicyVersions } from "./policy-versions.js";
import { OidcProviders, type ThumbprintFetcher } from "./providers.js";
import type {
  InlinePolicyStored,
  ManagedPolicyView,
  OidcProviderStored,
  RoleLastUsedStored,
  RoleStored,
} from "./records.js";
import { RoleLastUsedLog } from "./role-last-used.js";
import { RolePolicies } from "./role-policies.js";
import { type CreateRoleInput, Roles } from "./roles.js";
import { StsView } from "./sts-view.js";
import type { TagInput } from "./tags.js";
import { TrustPolicies } from "./trust-policies.js";
import { Users } from "./users.js";

export { IAM_LIMITS } from "./limits.js";

export interface IamStateOptions {
  store: Store;
  random: RandomSource;
  /** Epoch milliseconds. */
  now: () => number;
  /**
   * IAM fetches a provider's thumbprint itself when ThumbprintList is omitted. Returns the
   * thumbprints, or throws an AwsError (OpenIdIdpCommunicationError). Absent: none are stored.
   */
  fetchThumbprints?: ThumbprintFetcher;
}

/**
 * IAM's entities and their rules, independent of the wire: the Query handlers call these, and so
 * can a CloudFormation handler creating the same resources. One module per kind of entity
 * (providers, roles, inline policies, managed policies, their versions, users, access keys), all
 * mutations of an account behind one lock; every mutation resolves only once the store has it on
 * disk. The methods below are the stable surface other areas call; the wire uses the parts directly.
 */
export class IamState {
  readonly providers: OidcProviders;
  readonly roles: Roles;
  readonly rolePolicies: RolePolicies;
  readonly policies: ManagedPolicies;
  readonly policyVersions: PolicyVersions;
  readonly lastUsed: RoleLastUsedLog;
  readonly users: Users;
  readonly accessKeys: AccessKeys;
  private readonly ctx: IamContext;
  private readonly sts: StsView;

  constructor(options: IamStateOptions) {
    this.ctx = {
      store: options.store,
      lock: new AccountLock(),
      random: options.random,
      now: options.now,
    };
    const trust = new TrustPolicies();
    this.lastUsed = new RoleLastUsedLog(options.store);
    this.providers = new OidcProviders(this.ctx, options.fetchThumbprints);
    this.roles = new Roles(this.ctx, trust, this.lastUsed);
    this.rolePolicies = new RolePolicies(this.ctx, this.roles);
    this.policies = new ManagedPolicies(this.ctx);
    this.policyVersions = new PolicyVersions(this.ctx, this.policies);
    this.users = new Users(this.ctx);
    this.accessKeys = new AccessKeys(this.ctx, this.users);
    this.sts = new StsView(options.store, trust);
  }

  // ---- OIDC providers ----
  createOpenIdConnectProvider(
    account: string,
    input: { url: string; clientIds?: string[]; thumbprints?: string[]; tags?: TagInput[] },
  ): Promise<OidcProviderStored> {
    return this.providers.create(account, input);
  }
  getOpenIdConnectProvider(account: string, arn: string): OidcProviderStored {
    return this.providers.get(account, arn);
  }
  listOpenIdConnectProviders(account: string): OidcProviderStored[] {
    return this.providers.list(account);
  }
  deleteOpenIdConnectProvider(account: string, arn: string): Promise<void> {
    return this.providers.delete(account, arn);
  }
  updateOpenIdConnectProviderThumbprint(account: string, arn: string, t: string[]) {
    return this.providers.updateThumbprint(account, arn, t);
  }
  addClientIdToOpenIdConnectProvider(account: string, arn: string, clientId: string) {
    return this.providers.addClientId(account, arn, clientId);
  }
  removeClientIdFromOpenIdConnectProvider(account: string, arn: string, clientId: string) {
    return this.providers.removeClientId(account, arn, clientId);
  }

  // ---- Roles ----
  createRole(account: string, input: CreateRoleInput): Promise<RoleStored> {
    return this.roles.create(account, input);
  }
  getRole(account: string, name: string): RoleStored {
    return this.roles.get(account, name);
  }
  listRoles(account: string, pathPrefix?: string): RoleStored[] {
    return this.roles.list(account, pathPrefix);
  }
  deleteRole(account: string, name: string): Promise<void> {
    return this.roles.delete(account, name);
  }
  updateAssumeRolePolicy(account: string, name: string, trustPolicy: string): Promise<void> {
    return this.roles.updateAssumeRolePolicy(account, name, trustPolicy);
  }
  updateRole(
    account: string,
    name: string,
    input: { description?: string; maxSessionDuration?: number },
  ): Promise<RoleStored> {
    return this.roles.update(account, name, input);
  }
  putRolePermissionsBoundary(account: string, name: string, policyArn: string): Promise<void> {
    return this.roles.putPermissionsBoundary(account, name, policyArn);
  }
  deleteRolePermissionsBoundary(account: string, name: string): Promise<void> {
    return this.roles.deletePermissionsBoundary(account, name);
  }
  tagRole(account: string, name: string, tags: TagInput[]): Promise<void> {
    return this.roles.tag(account, name, tags);
  }
  untagRole(account: string, name: string, tagKeys: string[]): Promise<void> {
    return this.roles.untag(account, name, tagKeys);
  }
  attachRolePolicy(account: string, roleName: string, policyArn: string): Promise<void> {
    return this.roles.attachPolicy(account, roleName, policyArn);
  }
  detachRolePolicy(account: string, roleName: string, policyArn: string): Promise<void> {
    return this.roles.detachPolicy(account, roleName, policyArn);
  }
  listAttachedRolePolicies(account: string, roleName: string) {
    return this.roles.listAttachedPolicies(account, roleName);
  }
  /** When and where a session of the role was last issued; undefined when never. */
  roleLastUsed(account: string, role: RoleStored): RoleLastUsedStored | undefined {
    return this.lastUsed.get(account, role.name, role.roleId);
  }
  /** Called by STS when it issues a session of a role (RoleLastUsed). Cheap: memory only. */
  noteRoleUsed(account: string, roleName: string, roleId: string, region: string, nowMs: number) {
    this.lastUsed.note(account, roleName, roleId, region, nowMs);
  }

  // ---- Inline role policies ----
  putRolePolicy(account: string, roleName: string, policyName: string, document: string) {
    return this.rolePolicies.put(account, roleName, policyName, document);
  }
  getRolePolicy(account: string, roleName: string, policyName: string): InlinePolicyStored {
    return this.rolePolicies.get(account, roleName, policyName);
  }
  deleteRolePolicy(account: string, roleName: string, policyName: string): Promise<void> {
    return this.rolePolicies.delete(account, roleName, policyName);
  }
  listRolePolicies(account: string, roleName: string): InlinePolicyStored[] {
    return this.rolePolicies.list(account, roleName);
  }

  // ---- Managed policies ----
  createPolicy(account: string, input: CreatePolicyInput): Promise<ManagedPolicyView> {
    return this.policies.create(account, input);
  }
  getPolicy(account: string, arn: string): ManagedPolicyView {
    return this.policies.get(account, arn);
  }
  getPolicyDocument(account: string, arn: string): string | undefined {
    return this.policies.documentOf(account, arn);
  }
  deletePolicy(account: string, arn: string): Promise<void> {
    return this.policies.delete(account, arn);
  }
  listPolicies(account: string, opts?: Parameters<ManagedPolicies["list"]>[1]) {
    return this.policies.list(account, opts);
  }

  // ---- The whole account ----
  accountAuthorizationDetails(
    account: string,
    request: { filter?: string[]; marker?: string; maxItems?: number } = {},
  ): { items: AuthorizationDetail[]; marker?: string } {
    return authorizationDetails(this.ctx, this.lastUsed, account, request);
  }

  /** Writes what is only in memory (RoleLastUsed); call before closing the store. */
  flush(): Promise<void> {
    return this.lastUsed.flush();
  }

  // ---- The view STS needs ----
  stsProvider(account: string, url: string): OidcProviderRecord | undefined {
    return this.sts.provider(account, url);
  }
  stsRole(roleArn: string): RoleRecord | undefined {
    return this.sts.role(roleArn);
  }
}
