import type { IncomingMessage, Server } from "node:http";
import ipaddr from "ipaddr.js";

/**
 * Limits shared by both emulator servers (docs/architecture.md, "Request handling, limits and
 * state"). Each is far above what a real client sends and low enough that no single request can
 * take the process down or hold the event loop for long.
 */

/** Request line plus headers. Node's default too, set explicitly so NODE_OPTIONS cannot raise it. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Complete headers must arrive within this time (slowloris). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request must arrive within this time. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Admin JSON bodies (mint options, fault specs) are a few hundred bytes. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;
/** Admin JSON bodies are flat objects with at most a list inside; anything deeper is refused. */
export const MAX_JSON_DEPTH = 16;

/** Applies the header-size and slow-client bounds to a server (both emulator servers use it). */
export function applyServerLimits(
  server: Server,
  timeouts: { headersMs?: number; requestMs?: number } = {},
): void {
  const headersMs = timeouts.headersMs ?? HEADERS_TIMEOUT_MS;
  server.headersTimeout = headersMs;
  server.requestTimeout = Math.max(timeouts.requestMs ?? REQUEST_TIMEOUT_MS, headersMs);
  // A request with many headers is still bounded by MAX_HEADER_BYTES; this caps the object.
  server.maxHeadersCount = 200;
}

/** Options for `createServer` that must be given at construction. */
export function serverConstructionLimits(headersMs = HEADERS_TIMEOUT_MS) {
  return {
    maxHeaderSize: MAX_HEADER_BYTES,
    // Node checks the header/request deadlines on this interval (default 30 s, too coarse).
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(headersMs / 4))),
  };
}

const BASE = "http://emulator.invalid";

/**
 * The request target as a URL, for any target a client can send. Origin-form targets are joined
 * to a fixed origin as text, so `//` or `//host/x` stay paths instead of reading as a
 * scheme-relative URL (whose empty host made `new URL` throw: a 500 on both servers).
 * Absolute-form targets keep their path and query. Never throws.
 */
export function requestTarget(raw: string | undefined): URL {
  const target = raw ?? "/";
  try {
    if (target.startsWith("/")) return new URL(BASE + target);
    if (/^https?:\/\//i.test(target)) {
      const u = new URL(target);
      return new URL(BASE + u.pathname + u.search);
    }
    // `*` (OPTIONS *) or anything else: a path no route has.
    return new URL(`${BASE}/${encodeURIComponent(target)}`);
  } catch {
    return new URL(`${BASE}/`);
  }
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined || !ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === "loopback";
}

/** Admin endpoints answer loopback peers only, unless the emulator was started to allow others. */
export function adminAllowed(req: IncomingMessage, allowRemote: boolean): boolean {
  return allowRemote || isLoopback(req.socket.remoteAddress);
}

export const ADMIN_REFUSED =
  "emulator admin endpoints answer loopback clients only; start the emulator with --allow-remote-admin to change that";

/**
 * Nesting depth of JSON text, counted in one pass without parsing (so a 40 KB `[[[[…` costs
 * microseconds and nothing recursive ever sees it). Brackets inside strings do not count.
 * Returns as soon as `max` is exceeded.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** A parsed JSON body, or why it is refused. */
export type JsonBodyResult =
  | { ok: true; value: unknown }
  | { ok: false; message: string; tooDeep?: true };

/** Parses an admin JSON body (empty means `{}`) within `MAX_JSON_DEPTH`. */
export function parseJsonBody(text: string, maxDepth = MAX_JSON_DEPTH): JsonBodyResult {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: {} };
  if (jsonDepthExceeds(trimmed, maxDepth)) {
    return {
      ok: false,
      message: `request body nests deeper than ${maxDepth} levels`,
      tooDeep: true,
    };
  }
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch (err) {
    return { ok: false, message: `request body is not valid JSON: ${(err as Error).message}` };
  }
}

/** A refused request's unread body is read and dropped for this long, or up to this many bytes. */
const DISCARD_MS = 1000;
const DISCARD_BYTES = 8 * 1024 * 1024;

/**
 * Before a request is answered without its body (refused, or cut off at a limit), what the client
 * is still sending is read and dropped, within bounds. A client that is still writing when the
 * connection closes sees a broken pipe instead of the answer (a 413 it could act on); one whose
 * body ends keeps a usable connection. Resolves true when the body ended, false when it went on
 * past the bounds (the caller then closes the connection with the answer).
 */
export function discardBody(req: IncomingMessage): Promise<boolean> {
  if (req.complete || req.destroyed) return Promise.resolve(req.complete);
  return new Promise((resolve) => {
    let dropped = 0;
    const done = (ended: boolean) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DISCARD_BYTES) done(false);
    };
    const onEnd = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), DISCARD_MS);
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("close", onClose);
    req.resume();
  });
}

/** Why a body could not be read: over the size bound, stalled, or cut off by the client. */
export class BodyReadError extends Error {
  constructor(
    readonly kind: "too-large" | "stalled" | "ended-early",
    readonly limit: number,
  ) {
    super(kind);
  }
}

/**
 * Reads a whole body within a size bound and an idle timeout. A declared length over the bound is
 * refused before a byte is read; an undeclared one as soon as it passes the bound.
 */
export function readBoundedBody(
  req: IncomingMessage,
  limit: number,
  idleMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new BodyReadError("too-large", limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (kind?: BodyReadError["kind"]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off("data", onData);
      if (kind) reject(new BodyReadError(kind, limit));
      else resolve(Buffer.concat(chunks, size));
    };
    let timer = setTimeout(() => finish("stalled"), idleMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish("too-large");
        return;
      }
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(() => finish("stalled"), idleMs);
    };
    req.on("data", onData);
    req.once("end", () => finish());
    req.once("error", () => finish("ended-early"));
    req.once("aborted", () => finish("ended-early"));
  });
}

/**
 * A request refused for breaking one of these limits is answered after this delay. Nothing runs
 * meanwhile (a timer, no CPU); a client sending oversized or malformed requests back to back is
 * slowed to a few a second per connection, so it cannot take the event loop from others.
 * Well-formed requests, refused or not, are never delayed.
 */
export const LIMIT_PENALTY_MS = 250;

const limitViolations = new WeakSet<object>();

/** Marks an error as a broken limit (answered after `LIMIT_PENALTY_MS`). */
export function limitViolation<E extends object>(err: E): E {
  limitViolations.add(err);
  return err;
}

export function isLimitViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && limitViolations.has(err);
}

export function penalty(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, LIMIT_PENALTY_MS));
}
