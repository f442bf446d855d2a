import { EventEmitter } from "node:events";
import type { ClientRequest } from "node:http";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { connect, isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { Agent, type AgentConnectOpts } from "agent-base";
import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";
import ipaddr from "ipaddr.js";
import { debugLine } from "./debug.js";
import type { NetworkRoute, ProxySettings, ProxyUrl } from "./network.js";

/**
 * The proxy side of network.ts, loaded only when a proxy variable is set. CONNECT and the proxy
 * protocol are the maintained `https-proxy-agent`/`http-proxy-agent`'s (docs/decisions.md
 * "Proxies"); this file only chooses, per connection, the proxy or a direct socket.
 */

/** The NO_PROXY entry that sends `host:port` direct, if any (curl's rules, plus CIDR). */
export function noProxyMatch(
  settings: ProxySettings,
  host: string,
  port: number,
): string | undefined {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  for (const e of settings.noProxy) {
    if (e.port !== undefined && e.port !== port) continue;
    if (e.host === "*") return e.host;
    if (e.cidr) {
      if (isIP(h) && inCidr(h, e.host)) return e.host;
      continue;
    }
    if (h === e.host || (!isIP(h) && h.endsWith(`.${e.host}`))) return e.host;
  }
  return undefined;
}

function inCidr(address: string, cidr: string): boolean {
  try {
    const a = ipaddr.process(address);
    const range = ipaddr.parseCIDR(cidr);
    return a.kind() === range[0].kind() && a.match(range);
  } catch {
    return false;
  }
}

/** A proxy URL fit for a log line: scheme, host and port; credentials only said to exist. */
export function describeProxy(p: ProxyUrl): string {
  const auth = p.url.username || p.url.password ? " (with credentials)" : "";
  return `${p.url.protocol}//${p.url.host}${auth} from ${p.variable}`;
}

/** The proxy for a connection to `host:port`, or undefined to go direct; `--debug` says which. */
export function routeFor(
  settings: ProxySettings,
  secure: boolean,
  host: string,
  port: number,
): ProxyUrl | undefined {
  const proxy = secure ? settings.https : settings.http;
  const target = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  if (!proxy) {
    debugLine(`network: ${target} directly (no ${secure ? "HTTPS_PROXY" : "HTTP_PROXY"} set)`);
    return undefined;
  }
  const skip = noProxyMatch(settings, host, port);
  if (skip !== undefined) {
    debugLine(`network: ${target} directly (NO_PROXY entry "${skip}")`);
    return undefined;
  }
  debugLine(`network: ${target} through proxy ${describeProxy(proxy)}`);
  return proxy;
}

/** A proxy's refusal of a tunnel, in words that name the proxy (never its credentials). */
export class ProxyRefused extends Error {
  override name = "ProxyError";
  readonly code = "ERR_PROXY_REFUSED";
  constructor(proxy: ProxyUrl, target: string, status: number | undefined, text: string) {
    super(
      `the proxy ${describeProxy(proxy)} refused the tunnel to ${target}: HTTP ${status ?? "?"} ${text}`.trim(),
    );
  }
}

class RoutingAgent extends Agent {
  private readonly direct = { http: new HttpAgent(), https: new HttpsAgent() };
  private readonly tunnels = new Map<string, HttpsProxyAgent<string>>();
  private readonly forwarders = new Map<string, HttpProxyAgent<string>>();

  constructor(private readonly settings: ProxySettings) {
    super();
  }

  tunnelAgent(proxy: ProxyUrl): HttpsProxyAgent<string> {
    let a = this.tunnels.get(proxy.url.href);
    if (!a) {
      a = new HttpsProxyAgent(proxy.url.href);
      this.tunnels.set(proxy.url.href, a);
    }
    return a;
  }

  override async connect(req: ClientRequest, opts: AgentConnectOpts): Promise<Duplex | HttpAgent> {
    const host = opts.host ?? "localhost";
    const port = opts.port ?? (opts.secureEndpoint ? 443 : 80);
    const proxy = routeFor(this.settings, opts.secureEndpoint, host, port);
    if (!proxy) return opts.secureEndpoint ? this.direct.https : this.direct.http;
    if (!opts.secureEndpoint) {
      // Plain HTTP goes to the proxy as an absolute-URI request, which that agent writes.
      let f = this.forwarders.get(proxy.url.href);
      if (!f) {
        f = new HttpProxyAgent(proxy.url.href);
        this.forwarders.set(proxy.url.href, f);
      }
      return f;
    }
    return this.tunnel(proxy, req, opts);
  }

  /** CONNECT through `proxy`; a refusal is an error naming the proxy, not a fake response. */
  private async tunnel(
    proxy: ProxyUrl,
    req: ClientRequest,
    opts: AgentConnectOpts,
  ): Promise<Duplex> {
    let answer: { statusCode?: number; statusText?: string } | undefined;
    req.once("proxyConnect", (c: typeof answer) => {
      answer = c;
    });
    const socket = await this.tunnelAgent(proxy).connect(req, opts);
    if (answer?.statusCode !== 200) {
      socket.destroy();
      const target = `${opts.host}:${opts.port}`;
      throw new ProxyRefused(proxy, target, answer?.statusCode, answer?.statusText ?? "");
    }
    return socket;
  }

  /** A raw TCP stream to `host:port` (TLS is the caller's), tunnelled when a proxy applies. */
  async openSocket(host: string, port: number): Promise<Socket> {
    const proxy = routeFor(this.settings, true, host, port);
    if (!proxy) return connect({ host, port });
    // The agent's connect() wants a request to report the proxy's answer on; a raw tunnel has none.
    const req = new EventEmitter() as unknown as ClientRequest;
    return (await this.tunnel(proxy, req, { host, port, secureEndpoint: false })) as Socket;
  }
}

export function createRoute(settings: ProxySettings): NetworkRoute {
  const agent = new RoutingAgent(settings);
  return { agent, openSocket: (host, port) => agent.openSocket(host, port) };
}
