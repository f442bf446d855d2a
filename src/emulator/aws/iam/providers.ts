import {
  checkConstraints,
  entityAlreadyExists,
  invalidInput,
  limitExceeded,
  listTooLong,
  noSuchEntity,
} from "../errors.js";
import { arnSpec } from "./constraints.js";
import { type IamContext, isoNow } from "./context.js";
import { IAM_LIMITS } from "./limits.js";
import { findProvider, keys } from "./lookup.js";
import { COLLECTIONS, type OidcProviderStored, type TagRecord } from "./records.js";
import {
  addTags,
  checkedTags,
  dropTags,
  type TagInput,
  type TagTarget,
  tagListViolations,
} from "./tags.js";

/**
 * IAM fetches a provider's thumbprint itself when ThumbprintList is omitted. Returns the
 * thumbprints, or throws an AwsError (OpenIdIdpCommunicationError).
 */
export type ThumbprintFetcher = (url: string) => Promise<string[]>;

/** IAM OIDC identity providers of each account. */
export class OidcProviders {
  constructor(
    private readonly ctx: IamContext,
    private readonly fetchThumbprints?: ThumbprintFetcher,
  ) {}

  async create(
    account: string,
    input: { url: string; clientIds?: string[]; thumbprints?: string[]; tags?: TagInput[] },
  ): Promise<OidcProviderStored> {
    return this.ctx.lock.run(account, async () => {
      const clientIds = [...new Set(input.clientIds ?? [])];
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
          ...thumbprintViolations(input.thumbprints ?? []),
          ...listTooLong(
            "thumbprintList",
            input.thumbprints ?? [],
            IAM_LIMITS.thumbprintsPerProvider,
          ),
          ...tagListViolations(input.tags),
        ],
      );
      const tags = checkedTags(input.tags);
      const url = providerUrl(input.url);
      const arn = `arn:aws:iam::${account}:oidc-provider/${url}`;
      if (this.ctx.store.get(COLLECTIONS.providers, keys.provider(account, url))) {
        throw entityAlreadyExists(`Provider with url https://${url} already exists.`);
      }
      if (this.list(account).length >= IAM_LIMITS.providersPerAccount) {
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
        createDate: isoNow(this.ctx),
        tags,
      };
      await this.save(record);
      return record;
    });
  }

  get(account: string, arn: string): OidcProviderStored {
    checkConstraints([arnSpec(arn, "openIDConnectProviderArn")]);
    const record = findProvider(this.ctx.store, account, arn);
    if (!record) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
    return record;
  }

  list(account: string): OidcProviderStored[] {
    return this.ctx.store
      .list<OidcProviderStored>(COLLECTIONS.providers)
      .filter((p) => p.account === account);
  }

  /** Idempotent, as the API reference says: deleting a provider that is not there succeeds. */
  async delete(account: string, arn: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([arnSpec(arn, "openIDConnectProviderArn")]);
      const record = findProvider(this.ctx.store, account, arn);
      if (record) {
        await this.ctx.store.delete(COLLECTIONS.providers, keys.provider(account, record.url));
      }
    });
  }

  async updateThumbprint(account: string, arn: string, thumbprints: string[]): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints(
        [arnSpec(arn, "openIDConnectProviderArn")],
        [
          ...thumbprintViolations(thumbprints),
          ...listTooLong("thumbprintList", thumbprints, IAM_LIMITS.thumbprintsPerProvider),
        ],
      );
      const record = this.get(account, arn);
      await this.save({ ...record, thumbprints: checkThumbprints(thumbprints) });
    });
  }

  async addClientId(account: string, arn: string, clientId: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([
        arnSpec(arn, "openIDConnectProviderArn"),
        { name: "clientID", value: clientId, required: true, minLength: 1, maxLength: 255 },
      ]);
      const record = this.get(account, arn);
      // Adding a client ID that is already there succeeds without change, as in IAM.
      if (record.clientIds.includes(clientId)) return;
      if (record.clientIds.length >= IAM_LIMITS.clientIdsPerProvider) {
        throw limitExceeded(
          `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${IAM_LIMITS.clientIdsPerProvider}`,
        );
      }
      await this.save({ ...record, clientIds: [...record.clientIds, clientId] });
    });
  }

  async removeClientId(account: string, arn: string, clientId: string): Promise<void> {
    return this.ctx.lock.run(account, async () => {
      checkConstraints([
        arnSpec(arn, "openIDConnectProviderArn"),
        { name: "clientID", value: clientId, required: true, minLength: 1, maxLength: 255 },
      ]);
      const record = this.get(account, arn);
      // Idempotent: removing an absent client ID is not an error.
      if (!record.clientIds.includes(clientId)) return;
      await this.save({ ...record, clientIds: record.clientIds.filter((c) => c !== clientId) });
    });
  }

  tag(account: string, arn: string, tags: TagInput[] | undefined): Promise<void> {
    return addTags(this.tagTarget(account, arn), tags);
  }

  untag(account: string, arn: string, tagKeys: string[] | undefined): Promise<void> {
    return dropTags(this.tagTarget(account, arn), tagKeys);
  }

  listTags(account: string, arn: string): TagRecord[] {
    return this.get(account, arn).tags;
  }

  private tagTarget(account: string, arn: string): TagTarget<OidcProviderStored> {
    return {
      lock: this.ctx.lock,
      account,
      specs: [arnSpec(arn, "openIDConnectProviderArn")],
      load: () => this.get(account, arn),
      save: (r) => this.save(r),
      quota: "TagsPerOpenIdConnectProvider",
    };
  }

  private save(record: OidcProviderStored): Promise<void> {
    return this.ctx.store.put(
      COLLECTIONS.providers,
      keys.provider(record.account, record.url),
      record,
    );
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

/** The model's length rule for each thumbprint (exactly 40 characters), in AWS's words. */
function thumbprintViolations(values: string[]): string[] {
  return values.some((t) => t.length !== 40)
    ? [
        `Value '[${values.join(", ")}]' at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]`,
      ]
    : [];
}

function checkThumbprints(values: string[]): string[] {
  for (const t of values) {
    if (!/^[0-9a-fA-F]{40}$/.test(t)) {
      throw invalidInput(
        `Thumbprint '${t}' is invalid: a thumbprint is exactly 40 hexadecimal characters (the SHA-1 of the certificate).`,
      );
    }
  }
  return [...new Set(values.map((t) => t.toLowerCase()))];
}
