/** The shape of what `discover` finds out about a workspace. Plain JSON: `--json` prints it as is. */

export interface DiscoverOptions {
  /** The workspace slug (the ID in Bitbucket URLs). Issuers use the slug, never the `{uuid}`. */
  workspace: string;
  /** The workspace UUID, with or without braces. Excludes `token`. */
  workspaceUuid?: string;
  /** A Pipelines OIDC token of this workspace; its `workspaceUuid` claim is used. Excludes `workspaceUuid`. */
  token?: string;
  /**
   * Where to reach Bitbucket's API, `https://host[:port]`; default https://api.bitbucket.org.
   * Anything else is treated as a stand-in (emulator, proxy) for api.bitbucket.org: see
   * `connectionPlan` in discover.ts.
   */
  apiBase?: string;
  /** Trusted CA certificate(s), PEM; replaces Node's default roots for the Bitbucket hosts. */
  ca?: string;
  /**
   * The ip-ranges feed. Default: Atlassian's (ATLASSIAN_IP_RANGES_URL), or `<apiBase>/ip-ranges.json`
   * when `apiBase` stands in for api.bitbucket.org (the emulator serves one). `false` skips it.
   * A feed that cannot be read is a warning and a marked gap, not a failure.
   */
  ipRangesUrl?: string | false;
  /** Epoch seconds; certificate expiry is judged against it. */
  now: number;
  /** Warn when a certificate expires within this many days of `now`. Default 30. */
  expiryWarningDays?: number;
  /** Per-request timeout in ms. Default 5000. */
  timeoutMs?: number;
  /**
   * How connections leave the machine (a proxy), built by the CLI from the environment: `agent`
   * for the HTTPS requests, `openSocket` for the TLS handshakes. Default: direct connections.
   */
  network?: {
    agent: import("node:http").Agent;
    openSocket(host: string, port: number): Promise<import("node:net").Socket>;
  };
}

export type WorkspaceUuidSource = "flag" | "token" | "workspace-endpoint";

export interface WorkspaceFacts {
  slug: string;
  /** With braces, as Bitbucket writes it in claims. */
  uuid: string;
  uuidSource: WorkspaceUuidSource;
  /** The workspace's display name, when the workspace endpoint answered. */
  name?: string;
  /** The endpoint asked, when it was asked. */
  endpoint?: string;
}

export interface DiscoveryFacts {
  /** The discovery document's URL. */
  url: string;
  /** The issuer the document declares (equal to `report.issuer`). */
  issuer: string;
  jwksUri: string;
  /** `id_token_signing_alg_values_supported`, when the document lists it. */
  signingAlgorithms?: string[];
  /** The document as served. */
  document: Record<string, unknown>;
}

export interface KeyFacts {
  kid?: string;
  kty: string;
  alg?: string;
  use?: string;
  /** RSA modulus length in bits. */
  bits?: number;
  /** EC / OKP curve. */
  curve?: string;
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  /** As OpenSSL prints them, e.g. `Jan  1 00:00:00 2026 GMT`. */
  validFrom: string;
  validTo: string;
  /** ISO 8601 of `validTo`. */
  notAfter: string;
  /** Whole days from `now` to `validTo` (negative when expired). */
  daysLeft: number;
  /** SHA-1 of the DER, 40 lowercase hex. */
  sha1: string;
  selfSigned: boolean;
  pem: string;
}

export interface TlsHostFacts {
  /** Host name (SNI, certificate name check, what IAM connects to). */
  host: string;
  port: number;
  /** Which URLs of the issuer live on this host. */
  serves: Array<"discovery" | "jwks_uri">;
  /** `host:port` actually connected to, when `--api-base` stands in for the host. */
  connectedTo?: string;
  protocol: string | null;
  /** `handshake`: exactly as served; `reconstructed`: TLS 1.3 only, rebuilt from the issuer chain. */
  chainSource: "handshake" | "reconstructed";
  /** Leaf first, in the order the server sent them. */
  certificates: CertificateFacts[];
  /** IAM's thumbprint: SHA-1 of the last certificate served (the top intermediate CA). */
  thumbprint: string;
  /** Shell commands that compute the same thumbprint with OpenSSL. */
  openssl: string[];
}

export interface ProviderFacts {
  /** IAM's provider Url (the issuer). */
  url: string;
  /** The same without `https://`: the ARN suffix and condition key prefix. */
  hostPath: string;
  /** The ARN in an account, `<account>` to fill in. */
  arnPattern: string;
  clientIds: string[];
  thumbprints: string[];
}

export interface IpRangesFacts {
  url: string;
  syncToken: string;
  creationDate: string;
  /** Product bitbucket, direction egress. */
  egress: string[];
  ipv4: number;
  ipv6: number;
  /** Why these ranges are not enough on their own. */
  note: string;
  /** The step setting they depend on, as bitbucket-pipelines.yml. */
  stepYaml: string;
}

export type WarningCode =
  | "CERT_EXPIRES_SOON"
  | "CERT_EXPIRED"
  | "THUMBPRINT_OF_LEAF"
  | "CHAIN_RECONSTRUCTED"
  | "NO_KEYS"
  | "KEY_WITHOUT_KID"
  | "KEY_ALG_NOT_ACCEPTED"
  | "KEY_TOO_SMALL"
  | "KEY_SYMMETRIC"
  | "WORKSPACE_SLUG_DIFFERS"
  | "NO_EGRESS_RANGES"
  | "IP_RANGES_UNAVAILABLE";

export interface DiscoverWarning {
  code: WarningCode;
  message: string;
}

export interface DiscoveryReport {
  /** ISO 8601 of `now`. */
  generatedAt: string;
  workspace: WorkspaceFacts;
  /** The issuer, exactly as tokens carry it in `iss`. */
  issuer: string;
  /** Where the requests went when `apiBase` stands in for api.bitbucket.org (`host:port`). */
  via?: string;
  discovery: DiscoveryFacts;
  keys: { url: string; keys: KeyFacts[] };
  defaultAudience: string;
  tls: TlsHostFacts[];
  /** Every host's thumbprint, jwks_uri host first, no duplicates. */
  thumbprints: string[];
  provider: ProviderFacts;
  /** Absent when the feed was skipped or could not be read. */
  ipRanges?: IpRangesFacts;
  /** The feed could not be read: where from and why (the report's one gap). */
  ipRangesUnavailable?: { url: string; reason: string };
  warnings: DiscoverWarning[];
}
