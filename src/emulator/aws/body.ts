import type { IncomingMessage } from "node:http";
import { AwsError } from "./errors.js";

/** AWS Query requests are small; 1 MiB is far above any real one (a 128 KiB policy fits). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A client that stops sending its body for this long gets RequestTimeout. */
export const BODY_IDLE_TIMEOUT_MS = 10_000;

export function tooLarge(limit: number): AwsError {
  return new AwsError(
    "RequestEntityTooLarge",
    413,
    `The request body exceeds the maximum of ${limit} bytes.`,
  );
}

/** Reads the whole body within a size bound and an idle timeout; AWS-shaped errors otherwise. */
export function readBody(
  req: IncomingMessage,
  limit = MAX_BODY_BYTES,
  idleMs = BODY_IDLE_TIMEOUT_MS,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: AwsError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off("data", onData);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    let timer = setTimeout(() => finish(timeout()), idleMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(() => finish(timeout()), idleMs);
    };
    req.on("data", onData);
    req.once("end", () => finish());
    req.once("error", () =>
      finish(new AwsError("IncompleteBody", 400, "The request body ended early.")),
    );
    req.once("aborted", () =>
      finish(new AwsError("IncompleteBody", 400, "The request body ended early.")),
    );
  });
}

function timeout(): AwsError {
  return new AwsError(
    "RequestTimeout",
    400,
    "Your socket connection to the server was not read from or written to within the timeout period.",
  );
}
