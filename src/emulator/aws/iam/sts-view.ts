import type { OidcProviderRecord, RoleRecord } from "../../../sts/types.js";
import { parseRoleArn } from "../../../sts/validate-params.js";
import type { Store } from "../../store/types.js";
import { keys, peek } from "./lookup.js";
import { COLLECTIONS, type OidcProviderStored, type RoleStored } from "./records.js";
import type { TrustPolicies } from "./trust-policies.js";

/**
 * What STS reads of IAM, per request. The stored records are read without copying them
 * (`peek`): they are frozen, and STS only looks. Each call still reads the current record, so a
 * change is seen by the next request.
 */
export class StsView {
  constructor(
    private readonly store: Store,
    private readonly trust: TrustPolicies,
  ) {}

  provider(account: string, url: string): OidcProviderRecord | undefined {
    const r = peek<OidcProviderStored>(
      this.store,
      COLLECTIONS.providers,
      keys.provider(account, url),
    );
    return (
      r && {
        arn: r.arn,
        url: r.url,
        clientIds: r.clientIds as string[],
        thumbprints: r.thumbprints as string[],
      }
    );
  }

  role(roleArn: string): RoleRecord | undefined {
    const parts = parseRoleArn(roleArn);
    if (!parts) return undefined;
    const r = peek<RoleStored>(this.store, COLLECTIONS.roles, keys.role(parts.account, parts.name));
    if (!r || r.arn !== roleArn) return undefined;
    return {
      arn: r.arn,
      name: r.name,
      roleId: r.roleId,
      trustPolicy: this.trust.compiled(r.arn, r.trustPolicy),
      maxSessionDuration: r.maxSessionDuration,
    };
  }
}
