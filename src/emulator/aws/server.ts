import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { STS_XMLNS } from "../../sts/sts-errors.js";
import { authenticate } from "./authenticate.js";
import type { AwsBackend } from "./backend.js";
import { BODY_IDLE_TIMEOUT_MS, MAX_BODY_BYTES, readBody } from "./body.js";
import type { Caller } from "./caller.js";
import { AwsError } from "./errors.js";
import { QueryParams } from "./params.js";
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
  const bySigningName = new Map(services.map((s) => [s.signingName, s]));
  const backend = options.backend;
  // Checks the sourceIp option now: a bad one refuses to start rather than failing each request.
  const sourceIpOf = sourceIpResolver(options);

  const headersMs = options.timeouts?.headersMs ?? 10_000;
  const server = createServer(
    // Node checks the header/request deadlines on this interval (default 30 s, too coarse).
    { connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(headersMs / 4))) },
    (req, res) => {
      handle(req, res).catch((err) => {
        // Last resort: handle() answers every error itself; this only guards against bugs there.
        options.onInternalError?.(err);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    },
  );
  server.headersTimeout = headersMs;
  server.requestTimeout = Math.max(options.timeouts?.requestMs ?? 30_000, headersMs);
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    answerClientError(err, socket, backend.now());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const nowMs = backend.now();
    let namespace = STS_XMLNS;
    try {
      // S3 speaks REST, not the Query protocol: its own handler (src/emulator/aws/s3/).
      if (isS3Request(req, (req.url ?? "/").split("?")[0]!)) {
        await handleS3Request(req, res, { backend, bodyIdleMs: options.timeouts?.bodyIdleMs });
        return;
      }
      const url = requestUrl(req.url);
      if (url.pathname.startsWith(ADMIN_PREFIX)) {
        await handleAdmin(req, res, url, backend);
        return;
      }
      const body = await readBody(
        req,
        options.maxBodyBytes ?? MAX_BODY_BYTES,
        options.timeouts?.bodyIdleMs ?? BODY_IDLE_TIMEOUT_MS,
      );
      const rawQuery = url.search.slice(1);
      const params = QueryParams.parse(rawQuery, formBody(req, body));

      const routed = route(req, url, params, bySigningName, services);
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
      send(res, e.httpStatus, renderError(namespace, e, requestId), requestId, nowMs, {
        close: e.httpStatus === 413 || e.code === "RequestTimeout" || e.code === "IncompleteBody",
      });
      if (e.httpStatus === 413 || e.code === "RequestTimeout")
        res.on("finish", () => req.destroy());
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
 * Signed requests go to the service their credential scope names. Unsigned ones may only call
 * actions that AWS serves unsigned (AssumeRoleWithWebIdentity); anything else is refused as
 * unauthenticated, in the namespace of the service that owns the action.
 */
function route(
  req: IncomingMessage,
  url: URL,
  params: QueryParams,
  bySigningName: Map<string, AwsService<AwsBackend>>,
  services: ReadonlyArray<AwsService<AwsBackend>>,
): Routed {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const auth = parseAuthorization(header);
    const service = bySigningName.get(auth.service);
    if (!service) {
      throw new AwsError(
        "InvalidAction",
        400,
        `This endpoint serves ${[...bySigningName.keys()].join(", ")}; the credential scope names '${auth.service}'.`,
      );
    }
    return { service, auth };
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

const URL_BASE = "http://emulator.invalid";
/** What SDKs post every Query-protocol call to; parsed once (nothing mutates it). */
const ROOT_URL = new URL("/", URL_BASE);

function requestUrl(raw: string | undefined): URL {
  return raw === undefined || raw === "/" ? ROOT_URL : new URL(raw, URL_BASE);
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

/** Malformed HTTP, header timeouts, oversized headers: answered raw, still AWS-shaped. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket, nowMs: number): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
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
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/xml\r\nx-amzn-RequestId: ${requestId}\r\n` +
      `Date: ${new Date(nowMs).toUTCString()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  backend: AwsBackend,
): Promise<void> {
  const json = (status: number, value: unknown) => {
    const body = Buffer.from(`${JSON.stringify(value)}\n`, "utf8");
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": body.length });
    res.end(body);
  };
  if (url.pathname === "/_emulator/health") {
    json(200, { ok: true });
    return;
  }
  if (url.pathname !== "/_emulator/faults") {
    json(404, { error: `no such emulator endpoint: ${url.pathname}` });
    return;
  }
  if (req.method === "GET") {
    json(200, { pending: backend.faults.list() });
  } else if (req.method === "DELETE") {
    backend.faults.clear();
    json(200, { pending: [] });
  } else if (req.method === "POST") {
    let input: unknown;
    try {
      input = JSON.parse((await readBody(req, 64 * 1024)).toString("utf8"));
    } catch (err) {
      json(400, { error: err instanceof Error ? err.message : "the body is not JSON" });
      return;
    }
    try {
      const added = backend.faults.add(input);
      json(200, { added, pending: backend.faults.list() });
    } catch (err) {
      json(400, { error: (err as Error).message });
    }
  } else {
    json(405, { error: "use GET, POST or DELETE" });
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
