import type { IncomingMessage, ServerResponse } from "node:http";
import {
  BodyReadError,
  limitViolation,
  MAX_ADMIN_BODY_BYTES,
  parseJsonBody,
  readBoundedBody,
} from "../http-limits.js";

export const MAX_BODY_BYTES = MAX_ADMIN_BODY_BYTES;
/** A body that stalls this long is abandoned. */
const BODY_IDLE_MS = 10_000;
/** An `actual` value echoed in an error is cut to this many characters of its JSON. */
const MAX_ECHO_CHARS = 200;

/** An answer other than 400 for a request the server cannot take (413, 408). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Bitbucket's error envelope; `detail` carries the emulator's code/expected/actual for scripts.
 * Echoed values are cut short: an error answer is never larger or deeper than a bounded size.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  detail: Record<string, unknown> = {},
): void {
  const bounded: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) bounded[k] = boundedEcho(v);
  sendJson(res, status, { type: "error", error: { message, ...bounded } });
}

function boundedEcho(value: unknown): unknown {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  let text: string | undefined;
  try {
    text = typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    return "(not shown)";
  }
  if (text === undefined) return undefined;
  if (text.length <= MAX_ECHO_CHARS) return value;
  return `${text.slice(0, MAX_ECHO_CHARS)}… (${text.length} characters)`;
}

/** Reads a JSON body (empty → `{}`) within the size, depth and idle bounds. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readBoundedBody(req, MAX_BODY_BYTES, BODY_IDLE_MS);
  } catch (err) {
    if (!(err instanceof BodyReadError)) throw err;
    if (err.kind === "too-large") {
      throw limitViolation(
        new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`),
      );
    }
    if (err.kind === "stalled")
      throw new HttpError(408, "the request body stalled; send it in full");
    throw new HttpError(400, "the request body ended early");
  }
  const parsed = parseJsonBody(body.toString("utf8"));
  if (!parsed.ok) {
    const err = new HttpError(400, parsed.message);
    throw parsed.tooDeep ? limitViolation(err) : err;
  }
  return parsed.value;
}
