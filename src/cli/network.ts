import type { Agent } from "node:http";
import type { Socket } from "node:net";
import { isIP } from "node:net";
import { InputError } from "../errors.js";
import { registerSecret } from "./redact.js";

/**
 * Proxies, as the step's environment names them: HTTPS_PROXY for https:// targets, HTTP_PROXY
 * for http:// ones, NO_PROXY for the hosts to reach directly; each in either case, the lower-case
 * one first (as curl and Python read them). Read here, in the CLI: the core takes the resulting
 * agent as an option and never looks at the environment. Rules: docs/decisions.md "Proxies".
 */
export interface ProxySettings {
  http?: ProxyUrl;
  https?: ProxyUrl;
  noProxy: NoProxyEntry[];
}

export interface ProxyUrl {
  url: URL;
  /** The variable it came from, for messages. */
  variable: string;
}

export interface NoProxyEntry {
  /** Lower-case host, or `*` for every host. */
  host: string;
  port?: number;
  /** `10.0.0.0/8`-style entries. */
  cidr?: boolean;
}

function pick(env: NodeJS.ProcessEnv, name: string): [string, string] | undefined {
  for (const v of [name.toLowerCase(), name]) {
    const value = env[v]?.trim();
    if (value) return [v, value];
  }
  return undefined;
}

function parseProxy(found: [string, string] | undefined): ProxyUrl | undefined {
  if (!found) return undefined;
  const [variable, raw] = found;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    // Never the value itself: it may carry a password.
    throw new InputError(`${variable} is not a proxy URL.`, {
      hint: `Set it to e.g. http://proxy.example.com:3128 (or unset ${variable}).`,
    });
  }
  // Whatever prints later (a library's error message included) must not show it.
  registerSecret(decodeURIComponent(url.password));
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InputError(
      `${variable} names a ${url.protocol.slice(0, -1)} proxy; bb-oidc speaks to http:// and https:// proxies.`,
      { hint: `Point ${variable} at an HTTP proxy (CONNECT), e.g. http://proxy.example.com:3128.` },
    );
  }
  return { url, variable };
}

function parseNoProxy(value: string | undefined): NoProxyEntry[] {
  const out: NoProxyEntry[] = [];
  for (const raw of (value ?? "").toLowerCase().split(/[\s,]+/)) {
    if (!raw) continue;
    const cidr = /^([0-9a-f.:]+)\/(\d{1,3})$/.exec(raw);
    if (cidr && isIP(cidr[1]!)) {
      out.push({ host: raw, cidr: true });
      continue;
    }
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(raw);
    const host = (withPort ? withPort[1]! : raw).replace(/^\[|\]$/g, "").replace(/^\*?\./, "");
    out.push(withPort ? { host, port: Number(withPort[2]) } : { host });
  }
  return out;
}

/** The proxy settings in `env`, or undefined when no proxy variable is set (no agent needed). */
export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const http = parseProxy(pick(env, "HTTP_PROXY"));
  const https = parseProxy(pick(env, "HTTPS_PROXY"));
  if (!http && !https) return undefined;
  return {
    ...(http ? { http } : {}),
    ...(https ? { https } : {}),
    noProxy: parseNoProxy(pick(env, "NO_PROXY")?.[1]),
  };
}

/** What every network call of a command takes: an agent for requests, raw sockets for TLS. */
export interface NetworkRoute {
  /** For node:http(s) requests and AWS SDK clients (both protocols). */
  agent: Agent;
  /** A TCP stream to `host:port`, through the proxy when one applies (discover's handshakes). */
  openSocket(host: string, port: number): Promise<Socket>;
}

let cached: { env: NodeJS.ProcessEnv; route: Promise<NetworkRoute | undefined> } | undefined;

/**
 * The route for this process's network calls: undefined (Node's default, direct) when no proxy
 * variable is set. The proxy agents load only when one is: a step without a proxy pays nothing.
 */
export function networkRoute(env: NodeJS.ProcessEnv): Promise<NetworkRoute | undefined> {
  if (cached?.env === env) return cached.route;
  const settings = proxySettings(env);
  const route = settings
    ? import("./proxy-agents.js").then((m) => m.createRoute(settings))
    : Promise.resolve(undefined);
  cached = { env, route };
  return route;
}

/**
 * AWS SDK client options sending every request along the route: nothing at all when no proxy
 * variable is set, so the SDK's defaults stay untouched. The handler's options are given as a
 * provider (the SDK's NodeHttpHandler takes one), so this stays synchronous for any client.
 */
export function sdkNetworkOptions(env: NodeJS.ProcessEnv): { requestHandler?: never } {
  if (!proxySettings(env)) return {};
  const provider = async () => {
    const route = (await networkRoute(env))!;
    return { httpAgent: route.agent, httpsAgent: route.agent };
  };
  return { requestHandler: provider as never };
}
