import { rootCertificates } from "node:tls";
import {
  ATLASSIAN_IP_RANGES_URL,
  braceUuid,
  DEFAULT_API_BASE,
  defaultAudience,
  isBareUuid,
  isBracedUuid,
  issuerFor,
  providerHostPath,
} from "../bitbucket/index.js";
import { FetchError, InputError } from "../errors.js";
import {
  createHttpsFetcher,
  DEFAULT_FETCH_TIMEOUT_MS,
  type DiscoveryDocument,
  discoveryUrl,
  fetchDiscovery,
  fetchTlsChain,
  type JsonFetcher,
  resolveTarget,
} from "../oidc/index.js";
import { fetchEgressRanges } from "./ip-ranges.js";
import { summarizeJwks } from "./keys.js";
import { joinHostPort, tlsHostFacts } from "./tls.js";
import type {
  DiscoverOptions,
  DiscoverWarning,
  DiscoveryReport,
  IpRangesFacts,
  TlsHostFacts,
  WorkspaceFacts,
} from "./types.js";
import { checkWorkspaceToken, fetchWorkspace, readWorkspaceToken } from "./workspace.js";

/** The host every real Bitbucket issuer lives on. */
const BITBUCKET_API_HOST = new URL(DEFAULT_API_BASE).hostname;

/**
 * How to reach the issuer.
 *
 * Without `apiBase` (or with the real one) everything is fetched from where the URLs point.
 *
 * With another `apiBase` (an emulator, a recording proxy) that address *stands in for*
 * api.bitbucket.org: a host map sends connections for api.bitbucket.org:443 there, while SNI,
 * the certificate name check and the `Host` header stay api.bitbucket.org. So the issuer stays
 * the real issuer string (what tokens carry in `iss` and what IAM registers), and the TLS chain
 * and thumbprint are those of the certificate served for that name, exactly what IAM would see
 * from the real host. We chose this over rewriting URLs because a rewritten issuer would be a
 * different issuer: the skeleton config, the provider Url and every `iss` check would then
 * describe a provider nobody registers.
 *
 * A stand-in that instead declares itself as the issuer (`https://<apiBase>/2.0/workspaces/…`)
 * is accepted too: the discovery document is then fetched again from that address and checked
 * exactly against that issuer. Any other declared issuer is a mismatch.
 */
export interface ConnectionPlan {
  /** `issuerFor(slug)`: the real issuer. */
  issuer: string;
  /** `issuerFor(slug, apiBase)` when `apiBase` is a stand-in. */
  standInIssuer?: string;
  /** `{ "api.bitbucket.org:443": "<apiBase host:port>" }` when `apiBase` is a stand-in. */
  hostMap?: Record<string, string>;
  /** The stand-in's `host:port`. */
  via?: string;
}

export function connectionPlan(
  workspace: string,
  apiBase: string = DEFAULT_API_BASE,
): ConnectionPlan {
  const issuer = issuerFor(workspace, DEFAULT_API_BASE);
  const standInIssuer = issuerFor(workspace, apiBase);
  if (standInIssuer === issuer) return { issuer };
  const url = new URL(apiBase);
  const via = joinHostPort(url.hostname.replace(/^\[|\]$/g, ""), url.port ? Number(url.port) : 443);
  return {
    issuer,
    standInIssuer,
    hostMap: { [`${BITBUCKET_API_HOST}:443`]: via },
    via,
  };
}

/**
 * The feed to read when none is named: a stand-in for api.bitbucket.org (the emulator) serves its
 * own at `/ip-ranges.json`; otherwise Atlassian's.
 */
function defaultFeedUrl(plan: ConnectionPlan, apiBase: string): string {
  return plan.via === undefined
    ? ATLASSIAN_IP_RANGES_URL
    : new URL("/ip-ranges.json", new URL(apiBase).origin).href;
}

function checkSlug(workspace: string): void {
  if (isBracedUuid(workspace) || isBareUuid(workspace)) {
    throw new InputError(
      `--workspace takes the workspace slug (the ID in its URLs), not its UUID ${workspace}`,
      {
        expected: "a workspace slug such as acme",
        actual: workspace,
        hint: "tokens carry the slug in iss; give the UUID with --workspace-uuid",
      },
    );
  }
  issuerFor(workspace); // the slug's own syntax check
}

/**
 * Adds where a request really went to a fetch error's message, when a stand-in served `url`
 * (the URL alone, e.g. https://api.bitbucket.org/…, would send the reader to the wrong host).
 */
function viaStandIn<T>(plan: ConnectionPlan, url: string, work: Promise<T>): Promise<T> {
  if (plan.via === undefined || !isMapped(plan, url)) return work;
  return work.catch((e: unknown) => {
    if (e instanceof FetchError && !e.message.includes(plan.via!)) {
      throw new FetchError(e.code, `${e.message} (connected to ${plan.via}, --api-base)`, e.url, {
        ...(e.expected === undefined ? {} : { expected: e.expected }),
        ...(e.actual === undefined ? {} : { actual: e.actual }),
        ...(e.hint === undefined ? {} : { hint: e.hint }),
        cause: e,
      });
    }
    throw e;
  });
}

function isMapped(plan: ConnectionPlan, url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const port = parsed.port ? Number(parsed.port) : 443;
  const target = resolveTarget(parsed, plan.hostMap);
  return target.host !== host || target.port !== port;
}

async function discoverIssuer(
  plan: ConnectionPlan,
  fetcher: JsonFetcher,
  timeoutMs: number,
): Promise<{ issuer: string; document: DiscoveryDocument }> {
  try {
    return {
      issuer: plan.issuer,
      document: await viaStandIn(
        plan,
        discoveryUrl(plan.issuer),
        fetchDiscovery(plan.issuer, fetcher, { timeoutMs }),
      ),
    };
  } catch (e) {
    const selfDeclared =
      plan.standInIssuer !== undefined &&
      e instanceof FetchError &&
      e.code === "ERR_DISCOVERY_ISSUER_MISMATCH" &&
      e.actual === plan.standInIssuer;
    if (!selfDeclared) throw e;
    const issuer = plan.standInIssuer!;
    return { issuer, document: await fetchDiscovery(issuer, fetcher, { timeoutMs }) };
  }
}

/** Groups the discovery and JWKS URLs by `host:port`, JWKS host first (its thumbprint matters most). */
function tlsTargets(
  discovery: string,
  jwks: string,
): Array<{ url: URL; serves: TlsHostFacts["serves"] }> {
  const out: Array<{ url: URL; serves: TlsHostFacts["serves"] }> = [];
  for (const [u, role] of [
    [jwks, "jwks_uri"],
    [discovery, "discovery"],
  ] as const) {
    const url = new URL(u);
    const same = out.find((t) => t.url.host === url.host);
    if (same) same.serves.push(role);
    else out.push({ url, serves: [role] });
  }
  return out;
}

async function tlsOf(
  target: { url: URL; serves: TlsHostFacts["serves"] },
  plan: ConnectionPlan,
  opts: {
    ca?: string;
    timeoutMs: number;
    nowMs: number;
    expiryWarningDays?: number;
    network?: DiscoverOptions["network"];
  },
): Promise<{ facts: TlsHostFacts; warnings: DiscoverWarning[] }> {
  const host = target.url.hostname.replace(/^\[|\]$/g, "");
  const port = target.url.port ? Number(target.url.port) : 443;
  const connect = resolveTarget(target.url, plan.hostMap);
  const mapped = connect.host !== host || connect.port !== port;
  const chain = await viaStandIn(
    plan,
    target.url.href,
    fetchTlsChain(host, connect.port, {
      ...(opts.ca === undefined ? {} : { ca: opts.ca }),
      ...(mapped ? { connectHost: connect.host } : {}),
      ...(opts.network ? { openSocket: opts.network.openSocket } : {}),
      timeoutMs: opts.timeoutMs,
    }),
  );
  // fetchTlsChain reports the port it connected to; the report names the URL's.
  chain.port = port;
  return tlsHostFacts(chain, {
    host,
    serves: target.serves,
    ...(mapped ? { connectedTo: joinHostPort(connect.host, connect.port) } : {}),
    nowMs: opts.nowMs,
    ...(opts.expiryWarningDays === undefined ? {} : { expiryWarningDays: opts.expiryWarningDays }),
  });
}

/**
 * Everything needed to register a Bitbucket workspace as an IAM OIDC provider, found out from the
 * live endpoints: issuer and discovery document (issuer checked exactly), signing keys, workspace
 * UUID and default audience, TLS chains and IAM thumbprints from real handshakes with SNI, and
 * Pipelines' egress ranges. Never prints, never reads the environment.
 *
 * Errors: `InputError` for unusable options; `FetchError` naming the URL for network, TLS,
 * HTTP, issuer-mismatch and malformed-document failures; `TokenError` when a given token does not
 * verify with the workspace's keys.
 */
export async function discover(options: DiscoverOptions): Promise<DiscoveryReport> {
  checkSlug(options.workspace);
  if (options.workspaceUuid !== undefined && options.token !== undefined) {
    throw new InputError("give the workspace UUID or a token to read it from, not both");
  }
  if (!Number.isFinite(options.now)) throw new InputError("now must be epoch seconds");
  const plan = connectionPlan(options.workspace, options.apiBase ?? DEFAULT_API_BASE);
  const flagUuid =
    options.workspaceUuid === undefined
      ? undefined
      : braceUuid(options.workspaceUuid, "workspace UUID");
  const fromToken =
    options.token === undefined
      ? undefined
      : readWorkspaceToken(
          options.token,
          plan.standInIssuer === undefined ? [plan.issuer] : [plan.issuer, plan.standInIssuer],
        );
  const ipRangesUrl =
    options.ipRangesUrl === undefined
      ? defaultFeedUrl(plan, options.apiBase ?? DEFAULT_API_BASE)
      : options.ipRangesUrl;
  if (ipRangesUrl !== false) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(ipRangesUrl);
    } catch {
      parsed = undefined;
    }
    if (parsed?.protocol !== "https:") {
      throw new InputError(`the ip-ranges URL must be an https:// URL, got ${ipRangesUrl}`, {
        expected: ATLASSIAN_IP_RANGES_URL,
        actual: ipRangesUrl,
      });
    }
  }

  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const nowMs = options.now * 1000;
  const base = {
    timeoutMs,
    ...(plan.hostMap ? { hostMap: plan.hostMap } : {}),
    ...(options.network ? { agent: options.network.agent } : {}),
  };
  const fetcher = createHttpsFetcher({ ...base, ...(options.ca ? { ca: options.ca } : {}) });
  // The feed lives on Atlassian's CDN, not on the issuer's host: a CA given for an emulator is
  // trusted in addition to the default roots there, so the real feed still verifies.
  const feedFetcher = createHttpsFetcher({
    ...base,
    ...(options.ca ? { ca: [...rootCertificates, options.ca] } : {}),
  });
  const warnings: DiscoverWarning[] = [];

  const { issuer, document } = await discoverIssuer(plan, fetcher, timeoutMs);
  const discoveryAt = discoveryUrl(issuer);
  const apiOrigin = new URL(issuer).origin;
  const workspaceUrl = `${apiOrigin}/2.0/workspaces/${encodeURIComponent(options.workspace)}`;

  const [jwksJson, tlsResults, workspaceResult, feedResult] = await Promise.all([
    viaStandIn(plan, document.jwks_uri, fetcher(document.jwks_uri, { timeoutMs })),
    Promise.all(
      tlsTargets(discoveryAt, document.jwks_uri).map((t) =>
        tlsOf(t, plan, {
          ...(options.ca ? { ca: options.ca } : {}),
          timeoutMs,
          nowMs,
          ...(options.network ? { network: options.network } : {}),
          ...(options.expiryWarningDays === undefined
            ? {}
            : { expiryWarningDays: options.expiryWarningDays }),
        }),
      ),
    ),
    flagUuid === undefined && fromToken === undefined
      ? viaStandIn(
          plan,
          workspaceUrl,
          fetchWorkspace(workspaceUrl, options.workspace, fetcher, timeoutMs),
        )
      : Promise.resolve(undefined),
    ipRangesUrl === false
      ? Promise.resolve(undefined)
      : viaStandIn(plan, ipRangesUrl, fetchEgressRanges(ipRangesUrl, feedFetcher, timeoutMs)).catch(
          (e: unknown) => {
            // The feed is one optional part (offline runners, closed networks): the rest of the
            // report stands, with the gap marked.
            if (!(e instanceof FetchError)) throw e;
            return { unavailable: { url: ipRangesUrl, reason: e.message } };
          },
        ),
  ]);

  const keys = summarizeJwks(jwksJson, document.jwks_uri);
  if (!keys) {
    throw new FetchError(
      "ERR_JWKS_INVALID",
      `${document.jwks_uri} is not a JWKS ({"keys": [ … ]})`,
      document.jwks_uri,
      { expected: '{"keys": [ … ]}' },
    );
  }
  warnings.push(...keys.warnings);
  for (const t of tlsResults) warnings.push(...t.warnings);

  let workspace: WorkspaceFacts;
  if (flagUuid !== undefined) {
    workspace = { slug: options.workspace, uuid: flagUuid, uuidSource: "flag" };
  } else if (fromToken !== undefined) {
    await checkWorkspaceToken(options.token!, fromToken.decoded, issuer, jwksJson);
    workspace = { slug: options.workspace, uuid: fromToken.uuid, uuidSource: "token" };
  } else {
    workspace = workspaceResult!.facts;
    warnings.push(...workspaceResult!.warnings);
  }

  let ipRanges: IpRangesFacts | undefined;
  let ipRangesUnavailable: DiscoveryReport["ipRangesUnavailable"];
  if (feedResult && "unavailable" in feedResult) {
    ipRangesUnavailable = feedResult.unavailable;
    warnings.push({
      code: "IP_RANGES_UNAVAILABLE",
      message: `Pipelines' egress ranges could not be read from ${feedResult.unavailable.url} (${feedResult.unavailable.reason}); the report has everything else. Run discover again where the feed is reachable, give a saved copy's URL with --ip-ranges-url, or leave the ranges out with --no-ip-ranges.`,
    });
  } else if (feedResult) {
    ipRanges = feedResult.facts;
    warnings.push(...feedResult.warnings);
  }

  const audience = defaultAudience(workspace.uuid);
  const thumbprints = [...new Set(tlsResults.map((t) => t.facts.thumbprint))];
  const hostPath = providerHostPath(issuer);
  const signingAlgorithms = document.id_token_signing_alg_values_supported;
  const report: DiscoveryReport = {
    generatedAt: new Date(nowMs).toISOString(),
    workspace,
    issuer,
    ...(plan.via === undefined ? {} : { via: plan.via }),
    discovery: {
      url: discoveryAt,
      issuer: document.issuer,
      jwksUri: document.jwks_uri,
      ...(Array.isArray(signingAlgorithms)
        ? { signingAlgorithms: signingAlgorithms.filter((a) => typeof a === "string") }
        : {}),
      document,
    },
    keys: { url: document.jwks_uri, keys: keys.keys },
    defaultAudience: audience,
    tls: tlsResults.map((t) => t.facts),
    thumbprints,
    provider: {
      url: issuer,
      hostPath,
      arnPattern: `arn:aws:iam::<account>:oidc-provider/${hostPath}`,
      clientIds: [audience],
      thumbprints,
    },
    ...(ipRanges ? { ipRanges } : {}),
    ...(ipRangesUnavailable ? { ipRangesUnavailable } : {}),
    warnings,
  };
  return report;
}
