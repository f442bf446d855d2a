import { FetchError } from "../../../errors.js";
import {
  createHttpsFetcher,
  fetchTlsChain,
  iamThumbprint,
  type JsonFetcher,
  JwksCache,
  type KeyResolver,
  resolveTarget,
} from "../../../oidc/index.js";
import type { StsWorld } from "../../../sts/types.js";
import type { IamState } from "../iam/state.js";
import type { SignatureWorker } from "../signature-worker.js";

/** How the emulator reaches issuers: only hosts in `hostMap`, trusting only `ca`. */
export interface IssuerAccess {
  /** PEM of the emulator's root CA. */
  ca: string;
  /** e.g. `{ "api.bitbucket.org": "127.0.0.1:8791" }` */
  hostMap: Record<string, string>;
  timeoutMs?: number;
}

/** How long a host's thumbprint is trusted before the next TLS handshake re-reads it. */
const THUMBPRINT_TTL_MS = 60_000;
const MAX_CACHED_TARGETS = 256;

/** Whether a URL's host is one the emulator serves itself (it never goes to the network). */
export function servesHost(url: URL, access: IssuerAccess | undefined): boolean {
  if (!access) return false;
  const direct = resolveTarget(url, undefined);
  const mapped = resolveTarget(url, access.hostMap);
  return direct.host !== mapped.host || direct.port !== mapped.port;
}

/**
 * The issuer side of STS: a JWKS cache whose fetches go only to the emulator's own issuer (the
 * real host name is kept for SNI and the certificate check), and the thumbprint check of the
 * chain that host serves.
 */
export class IssuerKeys {
  readonly keys: KeyResolver;
  private readonly access: IssuerAccess | undefined;
  private readonly now: () => number;
  private readonly thumbprints = new Map<string, { value: string; at: number }>();
  /** Issuer URL text → its parsed URL and whether the emulator serves it (parsed once). */
  private readonly targets = new Map<string, { url: URL; served: boolean }>();

  constructor(access: IssuerAccess | undefined, now: () => number) {
    this.access = access;
    this.now = now;
    const inner = access
      ? createHttpsFetcher({ ca: access.ca, hostMap: access.hostMap, timeoutMs: access.timeoutMs })
      : undefined;
    const fetcher: JsonFetcher = (url, opts) => {
      if (!inner || !servesHost(new URL(url), access)) {
        return Promise.reject(
          new FetchError(
            "ERR_FETCH_NETWORK",
            `the emulator does not fetch ${url}: it only reaches the issuers it serves`,
            url,
          ),
        );
      }
      return inner(url, opts);
    };
    this.keys = new JwksCache({ fetcher, now });
  }

  /** Whether the emulator serves this URL's host itself. */
  serves(url: string): boolean {
    return this.target(url).served;
  }

  /**
   * `new URL` and the host-map lookup, once per issuer text rather than per request. Bounded:
   * issuers come from tokens, so the map is cleared rather than allowed to grow without limit.
   */
  private target(text: string): { url: URL; served: boolean } {
    let t = this.targets.get(text);
    if (t === undefined) {
      const url = new URL(text);
      t = { url, served: servesHost(url, this.access) };
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      this.targets.set(text, t);
    }
    return t;
  }

  /** The IAM thumbprint (top certificate's SHA-1) of the chain the issuer's host serves. */
  async thumbprint(issuerUrl: string): Promise<string> {
    const { url, served } = this.target(issuerUrl);
    if (!this.access || !served) {
      throw new Error(`the emulator does not connect to ${url.host}`);
    }
    const cached = this.thumbprints.get(url.host);
    if (cached && this.now() - cached.at < THUMBPRINT_TTL_MS) return cached.value;
    const target = resolveTarget(url, this.access.hostMap);
    const chain = await fetchTlsChain(url.hostname, target.port, {
      ca: this.access.ca,
      connectHost: target.host,
      timeoutMs: this.access.timeoutMs ?? 5000,
    });
    const value = iamThumbprint(chain);
    this.thumbprints.set(url.host, { value, at: this.now() });
    return value;
  }
}

/** STS's view of IAM state: a thin adapter, so the decision always sees the current records. */
export function stsWorld(
  iam: IamState,
  issuers: IssuerKeys,
  signatures?: SignatureWorker,
): StsWorld {
  return {
    ...(signatures ? { checkSignature: signatures.check } : {}),
    provider: (account, url) => iam.stsProvider(account, url),
    role: (arn) => iam.stsRole(arn),
    keys: issuers.keys,
    async thumbprintMatches(issuer, thumbprints) {
      const actual = await issuers.thumbprint(issuer);
      return thumbprints.some((t) => t.toLowerCase() === actual);
    },
  };
}
