import { policySize } from "../../../policy/index.js";
import { checkConstraints, limitExceeded, noSuchEntity } from "../errors.js";
import { policyDocumentSpec, policyNameSpec, roleNameSpec } from "./constraints.js";
import type { IamContext } from "./context.js";
import { IAM_LIMITS } from "./limits.js";
import { inlinePoliciesOf, keys } from "./lookup.js";
import { compileOrThrow } from "./policy-documents.js";
import { COLLECTIONS, type InlinePolicyStored } from "./records.js";
import type { Roles } from "./roles.js";

/** Inline (embedded) policies of roles. */
export class RolePolicies {
  constructor(
    private readonly ctx: IamContext,
    private readonly roles: Roles,
  ) {}

  async put(account: string, roleName: string, policyName: string, document: string) {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([
        roleNameSpec(roleName),
        policyNameSpec(policyName),
        policyDocumentSpec(document),
      ]);
      const role = this.roles.get(account, roleName);
      compileOrThrow(document, "identity");
      const others = this.list(account, roleName).filter((p) => p.policyName !== policyName);
      const total = others.reduce((n, p) => n + policySize(p.document), policySize(document));
      if (total > IAM_LIMITS.inlineRolePolicySize) {
        throw limitExceeded(
          `Maximum policy size of ${IAM_LIMITS.inlineRolePolicySize} bytes exceeded for role ${role.name}`,
        );
      }
      const record: InlinePolicyStored = { account, roleName: role.name, policyName, document };
      await this.ctx.store.put(
        COLLECTIONS.rolePolicies,
        keys.inline(account, role.name, policyName),
        record,
      );
    });
  }

  get(account: string, roleName: string, policyName: string): InlinePolicyStored {
    checkConstraints([policyNameSpec(policyName)]);
    const role = this.roles.get(account, roleName);
    const record = this.ctx.store.get<InlinePolicyStored>(
      COLLECTIONS.rolePolicies,
      keys.inline(account, role.name, policyName),
    );
    if (!record) throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
    return record;
  }

  async delete(account: string, roleName: string, policyName: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      const record = this.get(account, roleName, policyName);
      await this.ctx.store.delete(
        COLLECTIONS.rolePolicies,
        keys.inline(account, record.roleName, record.policyName),
      );
    });
  }

  /** A role's inline policies (none for a role that does not exist: callers check the role). */
  list(account: string, roleName: string): InlinePolicyStored[] {
    return inlinePoliciesOf(this.ctx.store, account, roleName);
  }
}
