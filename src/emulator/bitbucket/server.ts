import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { IpRangesFeed } from "../../bitbucket/index.js";
import { BbOidcError, InputError } from "../../errors.js";
import type { CaMaterial } from "../certs/index.js";
import {
  ADMIN_REFUSED,
  adminAllowed,
  applyServerLimits,
  discardBody,
  isLimitViolation,
  LIMIT_PENALTY_MS,
  penalty,
  requestTarget,
  serverConstructionLimits,
} from "../http-limits.js";
import type { Store } from "../store/types.js";
import { WORKSPACES } from "./collection-names.js";
import { discoveryDocument } from "./discovery.js";
import { HttpError, readJsonBody, sendError, sendJson } from "./http-json.js";
import { defaultIpRangesFeed } from "./ip-ranges-feed.js";
import { checkMintOptions, mintToken } from "./mint.js";
import { publishedKeys, rotateKeys } from "./signing-keys.js";
import { checkSlug, ensureWorkspace, getWorkspace } from "./workspaces.js";

export interface BitbucketServerOptions {
  store: Store;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  ca: CaMaterial;
  /** Epoch seconds; decides which keys are still published and stamps minted tokens. */
  now?: () => number;
  /** Replaces the built-in (documentation-range) ip-ranges feed. */
  ipRanges?: IpRangesFeed;
  /** Let admin endpoints (mint, rotate-keys, workspaces) answer non-loopback callers. */
  allowRemoteAdmin?: boolean;
}

export interface BitbucketServer {
  /** `https://<host>:<port>` */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

const OIDC_PATH =
  /^\/2\.0\/workspaces\/([^/]+)\/pipelines-config\/identity\/oidc\/(\.well-known\/openid-configuration|keys\.json)$/;
const WORKSPACE_PATH = /^\/2\.0\/workspaces\/([^/]+)$/;
/** Longest an idle keep-alive client may hold up close() after in-flight requests are done. */
const CLOSE_GRACE_MS = 5000;

function onlyFields(body: unknown, allowed: string[]): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    // The value itself is not echoed: it may be anything the caller sent.
    throw new InputError("request body must be a JSON object", {
      actual: Array.isArray(body) ? "an array" : body === null ? "null" : typeof body,
    });
  }
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) {
      throw new InputError(`unknown field ${JSON.stringify(k)}`, {
        expected: allowed.join(", "),
        actual: k,
      });
    }
  }
  return body as Record<string, unknown>;
}

function notFound(res: ServerResponse, what: string): void {
  // Bitbucket's 404 envelope [U: exact wording].
  sendError(res, 404, `No workspace with identifier '${what}'.`);
}

/**
 * An error answer to a request whose body was not (fully) read: the rest is read and dropped
 * first, within bounds, so the client sees the answer rather than a broken pipe.
 */
async function refuseUnread(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
): Promise<void> {
  if (!(await discardBody(req))) res.setHeader("connection", "close");
  sendError(res, status, message);
}

/** Malformed HTTP, oversized headers, header timeouts: answered raw in Bitbucket's envelope. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "Request Timeout", "the request was not received within the timeout period"]
      : err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", "the request headers are too large"]
        : [400, "Bad Request", "the request is not valid HTTP/1.1"];
  const body = JSON.stringify({ type: "error", error: { message } });
  const answer = () =>
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  // Malformed or oversized: a broken limit, answered late (a timeout is late already).
  if (status === 408) answer();
  else setTimeout(answer, LIMIT_PENALTY_MS);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Bitbucket's OIDC issuer endpoints at their real paths, a workspace API, an ip-ranges feed, and
 * loopback-only admin endpoints to mint tokens, rotate keys and create workspaces. TLS uses the
 * state dir's CA; the chain sent is leaf + intermediate, as a real host sends it, so the
 * thumbprint of the "top intermediate" is computed the same way as against Bitbucket.
 */
export async function startBitbucketServer(
  options: BitbucketServerOptions,
): Promise<BitbucketServer> {
  const { store, ca } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const feed = options.ipRanges ?? defaultIpRangesFeed();
  let closing = false;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = requestTarget(req.url).pathname;
    const method = req.method ?? "GET";

    if (path.startsWith("/_emulator/")) {
      if (!adminAllowed(req, options.allowRemoteAdmin === true)) {
        await refuseUnread(req, res, 403, ADMIN_REFUSED);
        return;
      }
      if (method !== "POST") {
        await refuseUnread(req, res, 405, `${method} is not allowed here; use POST`);
        return;
      }
      const body = await readJsonBody(req);
      if (path === "/_emulator/mint") {
        // The server's clock wins unless the caller pins `now` explicitly.
        const opts = checkMintOptions(body);
        const token = await mintToken(store, { ...opts, now: opts.now ?? now() });
        sendJson(res, 200, { token });
        return;
      }
      if (path === "/_emulator/rotate-keys") {
        const b = onlyFields(body, ["workspace", "graceSeconds"]);
        const slug = checkSlug(b.workspace);
        if (getWorkspace(store, slug) === undefined) {
          notFound(res, slug);
          return;
        }
        const result = await rotateKeys(store, slug, {
          now: now(),
          ...(b.graceSeconds === undefined ? {} : { graceSeconds: b.graceSeconds as number }),
        });
        sendJson(res, 200, { workspace: slug, ...result });
        return;
      }
      if (path === "/_emulator/workspaces") {
        const b = onlyFields(body, ["slug", "name"]);
        const slug = checkSlug(b.slug, "slug");
        const ws = await ensureWorkspace(store, slug, {
          now: now(),
          ...(b.name === undefined ? {} : { name: b.name as string }),
        });
        sendJson(res, 200, { type: "workspace", ...ws });
        return;
      }
      sendError(res, 404, `no emulator admin endpoint ${path}`);
      return;
    }

    if (method !== "GET" && method !== "HEAD") {
      sendError(res, 405, `${method} is not allowed here`);
      return;
    }
    if (path === "/ip-ranges.json") {
      sendJson(res, 200, feed);
      return;
    }
    const oidc = OIDC_PATH.exec(path);
    if (oidc !== null) {
      const slug = decodeSegment(oidc[1]!);
      const ws = store.get(WORKSPACES, slug);
      if (ws === undefined) {
        notFound(res, slug);
        return;
      }
      if (oidc[2] === "keys.json") sendJson(res, 200, { keys: publishedKeys(store, slug, now()) });
      else sendJson(res, 200, discoveryDocument(slug));
      return;
    }
    const wsMatch = WORKSPACE_PATH.exec(path);
    if (wsMatch !== null) {
      const id = decodeSegment(wsMatch[1]!);
      const ws = getWorkspace(store, id);
      if (ws === undefined) {
        notFound(res, id);
        return;
      }
      sendJson(res, 200, { type: "workspace", uuid: ws.uuid, slug: ws.slug, name: ws.name });
      return;
    }
    sendError(res, 404, `Resource not found: ${path}`);
  }

  const server = createServer(
    { key: ca.leafKeyPem, cert: ca.chainPem, ...serverConstructionLimits() },
    (req, res) => handleRequest(req, res),
  );
  applyServerLimits(server);
  server.on("clientError", answerClientError);

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (closing) res.setHeader("connection", "close");
    // A request that was in flight when close() began leaves a keep-alive connection behind when
    // it finishes; cut it then, so close() resolves as soon as the last response is out.
    res.on("finish", () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    route(req, res).catch(async (err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        if (err.status === 408) {
          // A stalled client is not waited for again.
          res.setHeader("connection", "close");
          sendError(res, err.status, err.message);
        } else {
          if (isLimitViolation(err)) await penalty();
          await refuseUnread(req, res, err.status, err.message);
        }
        return;
      }
      if (err instanceof BbOidcError) {
        const status =
          err.code === "ERR_INPUT" ? 400 : err.code === "ERR_WORKSPACE_NOT_FOUND" ? 404 : 500;
        sendError(res, status, err.message, {
          code: err.code,
          ...(err.expected === undefined ? {} : { expected: err.expected }),
          ...(err.actual === undefined ? {} : { actual: err.actual }),
        });
        return;
      }
      sendError(res, 500, `emulator error: ${(err as Error)?.message ?? String(err)}`);
    });
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolvePromise();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closed: Promise<void> | null = null;
  return {
    url: `https://${host}:${address.port}`,
    port: address.port,
    close() {
      closed ??= new Promise<void>((resolvePromise) => {
        closing = true;
        // close() waits for open connections; idle keep-alive ones are cut now, busy ones finish
        // their response (sent with Connection: close) and then end by themselves.
        server.close(() => resolvePromise());
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        timer.unref();
      });
      return closed;
    },
  };
}
