import type { IncomingMessage, ServerResponse } from "node:http";
import { InputError } from "../../errors.js";

export const MAX_BODY_BYTES = 64 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Bitbucket's error envelope; `detail` carries the emulator's code/expected/actual for scripts. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  detail: Record<string, unknown> = {},
): void {
  sendJson(res, status, { type: "error", error: { message, ...detail } });
}

/** Reads a JSON body (empty → `{}`); bad JSON or an oversized body is an InputError. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new InputError(`request body is larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`request body is not valid JSON: ${(err as Error).message}`);
  }
}
