import type { Agent } from "node:http";
import { request } from "node:https";
import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { FetchError } from "../errors.js";

/** Fetches a URL and returns its parsed JSON body. Errors are `FetchError`s naming the URL. */
export type JsonFetcher = (url: string, opts: { timeoutMs: number }) => Promise<unknown>;

export interface HttpsFetcherOptions {
  /** Trusted CA(s), PEM. When given, only these are trusted (Node's `ca` semantics). */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Connect somewhere else while keeping SNI, certificate name check and `Host` = the URL's host.
   * Key: `host` or `host:port`; value: `"127.0.0.1:8443"`, `"[::1]:8443"` or a bare host (URL's port kept).
   */
  hostMap?: Record<string, string>;
  /** Default timeout when the caller passes none. 5000 ms. */
  timeoutMs?: number;
  /** Largest accepted response body in bytes. 1 MiB. */
  maxBytes?: number;
  /** Routes the connection (a proxy agent, built by the CLI); default a direct connection. */
  agent?: Agent;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

const TLS_ERROR =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO_SELF_SIGNED|HOSTNAME_MISMATCH|EPROTO$)/;

/** True when a Node socket error is about TLS (certificate trust, name, handshake). */
export function isTlsErrorCode(code: unknown): boolean {
  return typeof code === "string" && TLS_ERROR.test(code);
}

/** Parses `host:port`, `[v6]:port`, `v6` or `host`. */
export function parseHostPort(value: string): { host: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (v6) return v6[2] ? { host: v6[1]!, port: Number(v6[2]) } : { host: v6[1]! };
  if (isIP(value) === 6) return { host: value };
  const m = /^([^:]+):(\d+)$/.exec(value);
  if (m) return { host: m[1]!, port: Number(m[2]) };
  return { host: value };
}

/** Where to connect for a URL, honouring a host map. */
export function resolveTarget(
  url: URL,
  hostMap: Record<string, string> | undefined,
): { host: string; port: number } {
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port ? Number(url.port) : 443;
  const mapped = hostMap?.[`${hostname}:${port}`] ?? hostMap?.[url.host] ?? hostMap?.[hostname];
  if (mapped === undefined) return { host: hostname, port };
  const target = parseHostPort(mapped);
  return { host: target.host, port: target.port ?? port };
}

/** A `JsonFetcher` over node:https with custom CA, host mapping, timeout and a size bound. */
export function createHttpsFetcher(options: HttpsFetcherOptions = {}): JsonFetcher {
  const defaultTimeout = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return (url, opts) => fetchJson(url, opts?.timeoutMs ?? defaultTimeout, maxBytes, options);
}

function fetchJson(
  url: string,
  timeoutMs: number,
  maxBytes: number,
  options: HttpsFetcherOptions,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (e) {
      reject(new FetchError("ERR_FETCH_NETWORK", `not a URL: ${url}`, url, { cause: e }));
      return;
    }
    if (parsed.protocol !== "https:") {
      reject(
        new FetchError(
          "ERR_FETCH_NOT_HTTPS",
          `refusing to fetch ${url}: only https:// is fetched`,
          url,
          {
            expected: "https:",
            actual: parsed.protocol,
          },
        ),
      );
      return;
    }
    const hostname = parsed.hostname.replace(/^\[|\]$/g, "");
    const target = resolveTarget(parsed, options.hostMap);
    let settled = false;
    const fail = (err: FetchError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const req = request({
      host: target.host,
      port: target.port,
      path: `${parsed.pathname}${parsed.search}`,
      method: "GET",
      headers: { host: parsed.host, accept: "application/json", "user-agent": "bb-oidc" },
      servername: isIP(hostname) ? undefined : hostname,
      checkServerIdentity: (_host: string, cert: PeerCertificate) =>
        checkServerIdentity(hostname, cert),
      ca: options.ca,
      agent: options.agent ?? false,
    });
    const timer = setTimeout(() => {
      fail(
        new FetchError(
          "ERR_FETCH_TIMEOUT",
          `no complete answer from ${url} within ${timeoutMs} ms`,
          url,
          {
            expected: { timeoutMs },
          },
        ),
      );
    }, timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (isTlsErrorCode(err.code)) {
        fail(
          new FetchError(
            "ERR_FETCH_TLS",
            `TLS with ${parsed.host} failed for ${url}: ${err.message}`,
            url,
            {
              actual: err.code,
              cause: err,
              hint: "the server's certificate is not trusted for this host name; check the CA you trust (--ca-file) and the host name",
            },
          ),
        );
      } else {
        fail(
          new FetchError("ERR_FETCH_NETWORK", `could not fetch ${url}: ${err.message}`, url, {
            actual: err.code,
            cause: err,
          }),
        );
      }
    });
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        fail(
          new FetchError("ERR_FETCH_HTTP_STATUS", `${url} answered HTTP ${status}`, url, {
            expected: 200,
            actual: status,
          }),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          fail(
            new FetchError(
              "ERR_FETCH_TOO_LARGE",
              `${url} answered more than ${maxBytes} bytes`,
              url,
              { expected: maxBytes, actual: size },
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", (err) =>
        fail(
          new FetchError("ERR_FETCH_NETWORK", `reading ${url} failed: ${err.message}`, url, {
            cause: err,
          }),
        ),
      );
      res.on("end", () => {
        if (settled) return;
        let value: unknown;
        try {
          value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch (e) {
          fail(
            new FetchError("ERR_FETCH_BAD_JSON", `${url} did not answer JSON`, url, { cause: e }),
          );
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve(value);
      });
    });
    req.end();
  });
}
