import type { IncomingMessage } from "node:http";
import { BodyReadError, limitViolation, readBoundedBody } from "../http-limits.js";
import { AwsError } from "./errors.js";

/** AWS Query requests are small; 1 MiB is far above any real one (a 128 KiB policy fits). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A client that stops sending its body for this long gets RequestTimeout. */
export const BODY_IDLE_TIMEOUT_MS = 10_000;

export function tooLarge(limit: number): AwsError {
  return limitViolation(
    new AwsError(
      "RequestEntityTooLarge",
      413,
      `The request body exceeds the maximum of ${limit} bytes.`,
    ),
  );
}

/** Reads the whole body within a size bound and an idle timeout; AWS-shaped errors otherwise. */
export async function readBody(
  req: IncomingMessage,
  limit = MAX_BODY_BYTES,
  idleMs = BODY_IDLE_TIMEOUT_MS,
): Promise<Buffer> {
  try {
    return await readBoundedBody(req, limit, idleMs);
  } catch (err) {
    if (!(err instanceof BodyReadError)) throw err;
    if (err.kind === "too-large") throw tooLarge(limit);
    if (err.kind === "stalled") throw timeout();
    throw new AwsError("IncompleteBody", 400, "The request body ended early.");
  }
}

function timeout(): AwsError {
  return new AwsError(
    "RequestTimeout",
    400,
    "Your socket connection to the server was not read from or written to within the timeout period.",
  );
}
