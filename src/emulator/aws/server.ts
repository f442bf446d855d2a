import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { STS_XMLNS } from "../../sts/sts-errors.js";
import {
  ADMIN_REFUSED,
  adminAllowed,
  applyServerLimits,
  discardBody,
  isLimitViolation,
  LIMIT_PENALTY_MS,
  MAX_ADMIN_BODY_BYTES,
  parseJsonBody,
  penalty,
  requestTarget,
  serverConstructionLimits,
} from "../http-limits.js";
import { authenticate } from "./authenticate.js";
import type { AwsBackend } from "./backend.js";
import { BODY_IDLE_TIMEOUT_MS, MAX_BODY_BYTES, readBody } from "./body.js";
import type { Caller } from "./caller.js";
import { AwsError } from "./errors.js";
import { isOrganizationsRequest, serveOrganizations } from "./organizations/index.js";
import { QueryParams } from "./params.js";
import { checkQueryMethod, routeSigned } from "./query-routing.js";
import { handleS3Request, isS3Request } from "./s3/http.js";
import type { AwsService } from "./service.js";
import { AWS_SERVICES } from "./services.js";
import { parseAuthorization, type ReceivedRequest, type SigV4Authorization } from "./sigv4.js";
import { type SourceIpOptions, sourceIpResolver } from "./source-ip.js";
import { renderError, renderResponse } from "./xml.js";

export interface AwsServerOptions extends SourceIpOptions {
  backend: AwsBackend;
  host: string;
  /** 0 picks a free port. */
  port: number;
  services?: ReadonlyArray<AwsService<AwsBackend>>;
  maxBodyBytes?: number;
  timeouts?: AwsServerTimeouts;
  /** Unexpected (non-AWS) errors, which are answered as 500 InternalFailure. */
  onInternalError?: (err: unknown) => void;
  /** Let `/_emulator/faults` answer non-loopback callers (default: loopback only). */
  allowRemoteAdmin?: boolean;
}

/** Bounds on slow clients (slowloris), each answered with an AWS-shaped RequestTimeout. */
export interface AwsServerTimeouts {
  /** Complete headers must arrive within this time. Default 10 s. */
  headersMs?: number;
  /** The whole request must arrive within this time. Default 30 s. */
  requestMs?: number;
  /** A body that stalls this long is abandoned. Default 10 s. */
  bodyIdleMs?: number;
}

export interface AwsServer {
  /** `http://host:port` */
  url: string;
  port: number;
  /** Stops accepting, answers requests in flight, then resolves. */
  close(): Promise<void>;
}

const ADMIN_PREFIX = "/_emulator/";
const DEFAULT_REGION = "us-east-1";

interface Routed {
  service: AwsService<AwsBackend>;
  auth?: SigV4Authorization;
}

/** The AWS Query-protocol endpoint: one port, services routed by their SigV4 signing name. */
export async function startAwsServer(options: AwsServerOptions): Promise<AwsServer> {
  const services = options.services ?? AWS_SERVICES;
  const backend = options.backend;
  // Checks the sourceIp option now: a bad one refuses to start rather than failing each request.
  const sourceIpOf = sourceIpResolver(options);

  const headersMs = options.timeouts?.headersMs ?? 10_000;
  const server = createServer(serverConstructionLimits(headersMs), (req, res) => {
    handle(req, res).catch((err) => {
      // Last resort: handle() answers every error itself; this only guards against bugs there.
      options.onInternalError?.(err);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  applyServerLimits(server, { headersMs, requestMs: options.timeouts?.requestMs });
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = answerClientError(err, socket, backend.now());
    if (code) backend.audit.countRejected(code, socket.remoteAddress);
  });

  /** The address for the summary: the resolved source IP, or the peer when that fails. */
  function sourceIpOrPeer(req: IncomingMessage): string | undefined {
    try {
      return sourceIpOf(req);
    } catch {
      return req.socket.remoteAddress;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const nowMs = backend.now();
    let namespace = STS_XMLNS;
    // Set once a handler (or an injected fault) answers: refusals before that are counted as
    // unauthenticated garbage in the audit log's summary, not logged one by one.
    let handled = false;
    try {
      // S3 speaks REST, not the Query protocol: its own handler (src/emulator/aws/s3/).
      if (isS3Request(req, (req.url ?? "/").split("?")[0]!)) {
        await handleS3Request(req, res, { backend, bodyIdleMs: options.timeouts?.bodyIdleMs });
        return;
      }
      const url = requestUrl(req.url);
      if (url.pathname.startsWith(ADMIN_PREFIX)) {
        await handleAdmin(req, res, url, backend, options.allowRemoteAdmin === true);
        return;
      }
      const body = await readBody(
        req,
        options.maxBodyBytes ?? MAX_BODY_BYTES,
        options.timeouts?.bodyIdleMs ?? BODY_IDLE_TIMEOUT_MS,
      );
      if (isOrganizationsRequest(req)) {
        await serveOrganizations(req, res, {
          url,
          body,
          backend,
          requestId,
          nowMs,
          onInternalError: options.onInternalError,
        });
        return;
      }
      const rawQuery = url.search.slice(1);
      const params = QueryParams.parse(rawQuery, formBody(req, body));

      const routed = route(req, url, params, services);
      namespace = routed.service.namespace;
      const service = routed.service;

      const action = params.get("Action");
      if (!action) throw new AwsError("MissingAction", 400, "Missing Action");
      const version = params.get("Version");
      const spec = Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
      if (!spec || (version !== undefined && version !== service.version)) {
        throw new AwsError(
          "InvalidAction",
          400,
          `Could not find operation ${action} for version ${version ?? service.version}`,
        );
      }

      const fault = backend.faults.take(service.signingName, action);
      if (fault) {
        handled = true;
        throw new AwsError(
          fault.code,
          fault.status,
          fault.message ?? `Injected fault: ${fault.code}`,
        );
      }

      let caller: Caller | undefined;
      if (!spec.unsigned) {
        if (!routed.auth) {
          throw new AwsError(
            "MissingAuthenticationToken",
            403,
            "Request is missing Authentication Token",
          );
        }
        const received: ReceivedRequest = {
          method: req.method ?? "GET",
          path: safeDecode(url.pathname),
          rawQuery,
          headers: req.headers,
          body,
        };
        caller = await authenticate(received, routed.auth, {
          accounts: backend.accounts,
          sessions: backend.sessions,
          now: () => nowMs,
        });
      }

      handled = true;
      const result = await spec.handler({
        action,
        params,
        caller,
        sourceIp: sourceIpOf(req),
        requestId,
        region: routed.auth?.region ?? DEFAULT_REGION,
        now: nowMs,
        backend,
      });
      send(res, 200, renderResponse(action, namespace, result, requestId), requestId, nowMs);
    } catch (err) {
      const e = toAwsError(err, options.onInternalError);
      if (!handled && e.httpStatus < 500) backend.audit.countRejected(e.code, sourceIpOrPeer(req));
      // A client that stalled or vanished is not waited for; one still sending is read to the end
      // (within bounds) so that it sees this answer rather than a broken pipe.
      const gone = e.code === "RequestTimeout" || e.code === "IncompleteBody";
      if (isLimitViolation(e)) await penalty();
      const ended = !gone && (await discardBody(req));
      send(res, e.httpStatus, renderError(namespace, e, requestId), requestId, nowMs, {
        close: !ended,
      });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${urlHost(options.host)}:${port}`,
    port,
    close: () => closeServer(server),
  };
}

/**
 * GET and POST only. Signed requests go to the service their action belongs to, the scope
 * checked against it (query-routing.ts). Unsigned ones may only call
 * actions that AWS serves unsigned (AssumeRoleWithWebIdentity); anything else is refused as
 * unauthenticated, in the namespace of the service that owns the action.
 */
function route(
  req: IncomingMessage,
  url: URL,
  params: QueryParams,
  services: ReadonlyArray<AwsService<AwsBackend>>,
): Routed {
  checkQueryMethod(req.method);
  const header = req.headers.authorization;
  if (header !== undefined) {
    const auth = parseAuthorization(header);
    return { service: routeSigned(auth, params.get("Action"), services), auth };
  }
  if (url.searchParams.has("X-Amz-Signature") || url.searchParams.has("X-Amz-Credential")) {
    throw new AwsError(
      "IncompleteSignature",
      400,
      "Query-string (pre-signed) authentication is not supported by the emulator; sign with the Authorization header.",
    );
  }
  const action = params.get("Action") ?? "";
  const owner = services.find((s) => Object.hasOwn(s.actions, action));
  return { service: owner ?? services[0]! };
}

/** What SDKs post every Query-protocol call to; parsed once (nothing mutates it). */
const ROOT_URL = requestTarget("/");

function requestUrl(raw: string | undefined): URL {
  return raw === undefined || raw === "/" ? ROOT_URL : requestTarget(raw);
}

/** The form body, when the request has one (POST with form encoding or no content type). */
function formBody(req: IncomingMessage, body: Buffer): string {
  if (body.length === 0) return "";
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "" && type !== "application/x-www-form-urlencoded") return "";
  return body.toString("utf8");
}

function toAwsError(err: unknown, onInternalError?: (err: unknown) => void): AwsError {
  // An input problem found by shared code (e.g. a policy that will not compile at read time).
  const known = AwsError.of(err, "iam");
  if (known) return known;
  onInternalError?.(err);
  return new AwsError(
    "InternalFailure",
    500,
    "We encountered an internal error. Please try again.",
  );
}

function send(
  res: ServerResponse,
  status: number,
  xml: string,
  requestId: string,
  nowMs: number,
  opts: { close?: boolean } = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(xml, "utf8");
  const headers: Record<string, string | number> = {
    "x-amzn-RequestId": requestId,
    "Content-Type": "text/xml",
    "Content-Length": body.length,
    // The emulator's clock, so SDK clock-skew correction agrees with it (injected `now`).
    Date: httpDate(nowMs),
  };
  if (opts.close) headers.Connection = "close";
  writeSoon(res, () => {
    res.writeHead(status, headers);
    res.end(body);
  });
}

let outbox: Array<{ res: ServerResponse; write: () => void }> = [];

/**
 * Responses completed during one turn of the event loop are written back to back at its end
 * (setImmediate), not each as soon as its handler finishes. Under load a turn completes several
 * requests; writing their answers together wakes each waiting client once per turn instead of
 * once per response, which is most of what a socket write costs on loopback. Nothing waits for
 * more work: the turn's end is microseconds away.
 */
function writeSoon(res: ServerResponse, write: () => void): void {
  if (outbox.length === 0) setImmediate(flushOutbox);
  outbox.push({ res, write });
}

function flushOutbox(): void {
  const batch = outbox;
  outbox = [];
  for (const { res, write } of batch) {
    try {
      if (res.headersSent || res.destroyed) res.destroy();
      else write();
    } catch {
      res.destroy();
    }
  }
}

let lastDate = { second: Number.NaN, text: "" };

/** `Date` header text; formatted once per second of the (injected) clock. */
function httpDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== lastDate.second) lastDate = { second, text: new Date(nowMs).toUTCString() };
  return lastDate.text;
}

/**
 * Malformed HTTP, header timeouts, oversized headers: answered raw, still AWS-shaped. Returns
 * the error code answered, if any.
 */
function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Socket,
  nowMs: number,
): string | undefined {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return undefined;
  }
  const [status, reason, code, message] =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [
          408,
          "Request Timeout",
          "RequestTimeout",
          "The request was not received within the timeout period.",
        ]
      : err.code === "HPE_HEADER_OVERFLOW"
        ? [
            431,
            "Request Header Fields Too Large",
            "RequestHeaderSectionTooLarge",
            "The request headers are too large.",
          ]
        : [400, "Bad Request", "MalformedHTTPRequest", "The request is not valid HTTP/1.1."];
  const requestId = randomUUID();
  const body = renderError(STS_XMLNS, { type: "Sender", code, message }, requestId);
  const answer = () =>
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/xml\r\nx-amzn-RequestId: ${requestId}\r\n` +
        `Date: ${new Date(nowMs).toUTCString()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  // Malformed or oversized: a broken limit, answered late (a timeout is late already).
  if (status === 408) answer();
  else setTimeout(answer, LIMIT_PENALTY_MS);
  return code;
}

/**
 * `/_emulator/health` (anyone) and `/_emulator/faults` (loopback callers unless the emulator was
 * started with --allow-remote-admin): JSON, not the Query protocol.
 */
async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  backend: AwsBackend,
  allowRemote: boolean,
): Promise<void> {
  const json = async (status: number, value: unknown) => {
    const ended = await discardBody(req);
    const body = Buffer.from(`${JSON.stringify(value)}\n`, "utf8");
    const headers: Record<string, string | number> = {
      "Content-Type": "application/json",
      "Content-Length": body.length,
    };
    if (!ended) headers.Connection = "close";
    res.writeHead(status, headers);
    res.end(body);
  };
  if (url.pathname === "/_emulator/health") {
    await json(200, { ok: true });
    return;
  }
  if (!adminAllowed(req, allowRemote)) {
    await json(403, { error: ADMIN_REFUSED });
    return;
  }
  if (url.pathname !== "/_emulator/faults") {
    await json(404, { error: `no such emulator endpoint: ${url.pathname}` });
    return;
  }
  if (req.method === "GET") {
    await json(200, { pending: backend.faults.list() });
  } else if (req.method === "DELETE") {
    backend.faults.clear();
    await json(200, { pending: [] });
  } else if (req.method === "POST") {
    let text: string;
    try {
      text = (await readBody(req, MAX_ADMIN_BODY_BYTES)).toString("utf8");
    } catch (err) {
      if (isLimitViolation(err)) await penalty();
      await json(err instanceof AwsError ? err.httpStatus : 400, { error: (err as Error).message });
      return;
    }
    const parsed = parseJsonBody(text);
    if (!parsed.ok) {
      if (parsed.tooDeep) await penalty();
      await json(400, { error: parsed.message });
      return;
    }
    const input = parsed.value;
    try {
      const added = backend.faults.add(input);
      await json(200, { added, pending: backend.faults.list() });
    } catch (err) {
      await json(400, { error: (err as Error).message });
    }
  } else {
    await json(405, { error: "use GET, POST or DELETE" });
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets would hold close() open; busy ones finish their response first.
    server.closeIdleConnections();
  });
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
