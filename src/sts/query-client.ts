import type { Agent, IncomingHttpHeaders, IncomingMessage } from "node:http";
import { childOf, parseXml, textAt, type XmlElement } from "./query-xml.js";

/**
 * bb-oidc's own client for the one STS call a pipeline step makes, AssumeRoleWithWebIdentity: an
 * unsigned Query POST (form body, XML answer; docs/aws-behaviour.md "STS's Query protocol and
 * endpoints") over node:http/https, so the step does not load the AWS SDK (docs/decisions.md
 * "CLI start-up"). Signed calls (AssumeRole, GetCallerIdentity) stay with the SDK (sdk-calls.ts).
 * Its answers and errors have the SDK's shape, so the retry rules and the diagnosis read both
 * alike; test/sts-client/parity.test.ts holds the two side by side on the same answers.
 */

/** What the SDK's AssumeRoleWithWebIdentityCommand returns, as far as bb-oidc reads it. */
export interface WebIdentityOutput {
  Credentials?: {
    AccessKeyId?: string;
    SecretAccessKey?: string;
    SessionToken?: string;
    Expiration?: Date;
  };
  AssumedRoleUser?: { AssumedRoleId?: string; Arn?: string };
  SubjectFromWebIdentityToken?: string;
  Audience?: string;
  Provider?: string;
  PackedPolicySize?: number;
  SourceIdentity?: string;
}

export interface WebIdentityInput {
  RoleArn: string;
  RoleSessionName: string;
  WebIdentityToken: string;
  PolicyArns?: { arn: string }[];
  Policy?: string;
  DurationSeconds?: number;
}

export interface QueryCallOptions {
  /** The endpoint URL (sts-endpoint.ts). */
  url: string;
  userAgent: string;
  signal: AbortSignal;
  /** The proxy route's agent; Node's default agent when undefined. */
  agent?: Agent;
  /** Inactivity on the socket before the attempt fails (the SDK's default: 300 s). */
  socketTimeoutMs?: number;
}

/** The SDK's default idle-socket timeout for a client (node-http-handler). */
export const SOCKET_TIMEOUT_MS = 300_000;
/** STS answers are a few KB; a body past this is not STS (and must not fill the memory). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** An answer of STS that is not a success: the fields the SDK's service exceptions carry. */
export class StsAnswerError extends Error {
  /** AWS's error code from the document, when it has one. */
  Code?: string;
  Type?: string;
  $fault: "client" | "server";
  $metadata: { httpStatusCode: number; requestId?: string };
  $response: { statusCode: number; headers: IncomingHttpHeaders };
  constructor(name: string, message: string, res: IncomingMessage, code?: string, type?: string) {
    super(message);
    this.name = name;
    if (code !== undefined) this.Code = code;
    if (type !== undefined) this.Type = type;
    const status = res.statusCode ?? -1;
    this.$fault = status < 500 ? "client" : "server";
    const requestId = res.headers["x-amzn-requestid"];
    this.$metadata = {
      httpStatusCode: status,
      ...(typeof requestId === "string" ? { requestId } : {}),
    };
    this.$response = { statusCode: status, headers: res.headers };
  }
}

/** Query form encoding as the SDK writes it (its extendedEncodeURIComponent). */
function enc(value: string): string {
  return /^[\w.~-]+$/.test(value)
    ? value
    : encodeURIComponent(value).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
}

/** The form body, members in the API model's order (the SDK's order). */
export function webIdentityBody(input: WebIdentityInput): string {
  const parts = [
    "Action=AssumeRoleWithWebIdentity",
    "Version=2011-06-15",
    `RoleArn=${enc(input.RoleArn)}`,
    `RoleSessionName=${enc(input.RoleSessionName)}`,
    `WebIdentityToken=${enc(input.WebIdentityToken)}`,
  ];
  input.PolicyArns?.forEach((p, i) => {
    parts.push(`PolicyArns.member.${i + 1}.arn=${enc(p.arn)}`);
  });
  if (input.Policy !== undefined) parts.push(`Policy=${enc(input.Policy)}`);
  if (input.DurationSeconds !== undefined) {
    parts.push(`DurationSeconds=${enc(String(input.DurationSeconds))}`);
  }
  return parts.join("&");
}

/** The error Node's request raised, named as the SDK names it (node-http-handler). */
function transportError(err: NodeJS.ErrnoException): Error {
  if (err.code === "ECONNRESET" || err.code === "EPIPE" || err.code === "ETIMEDOUT") {
    err.name = "TimeoutError";
  }
  return err;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const e = new Error(reason && !(reason instanceof Error) ? String(reason) : "Request aborted");
  e.name = "AbortError";
  if (reason instanceof Error) e.cause = reason;
  return e;
}

/** One POST; resolves with the status and body (up to MAX_ANSWER_BYTES), or rejects as the SDK would. */
async function post(
  body: string,
  opts: QueryCallOptions,
): Promise<{ res: IncomingMessage; text: string }> {
  if (opts.signal.aborted) throw abortError(opts.signal);
  const url = new URL(opts.url);
  const secure = url.protocol === "https:";
  // Only the protocol in use is loaded: https (and tls) cost a few ms of start-up.
  const { request } = secure ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener("abort", onAbort);
      req.destroy();
      reject(e);
    };
    const onAbort = () => fail(abortError(opts.signal));
    const req = request(
      url,
      {
        method: "POST",
        ...(opts.agent ? { agent: opts.agent } : {}),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          "user-agent": opts.userAgent,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) {
            res.destroy();
            fail(new StsAnswerError("Unknown", "Unknown", res));
            return;
          }
          chunks.push(c);
        });
        res.on("error", (e) => fail(transportError(e)));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          opts.signal.removeEventListener("abort", onAbort);
          resolve({ res, text: Buffer.concat(chunks).toString("utf8") });
        });
      },
    );
    opts.signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", (e) => fail(transportError(e)));
    const idleMs = opts.socketTimeoutMs ?? SOCKET_TIMEOUT_MS;
    req.setTimeout(idleMs, () => {
      const e = new Error(`the request socket timed out after ${idleMs} ms of inactivity.`);
      e.name = "TimeoutError";
      fail(e);
    });
    req.end(body);
  });
}

function tryParse(text: string): XmlElement | undefined {
  try {
    return text.trim() ? parseXml(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An error answer as the SDK reads it (its AwsQueryProtocol): the code from Error (or
 * Errors/Error), "NotFound" for a 404 without one, else "Unknown"; the message from
 * `message`/`Message`, else "Unknown".
 */
function errorFromAnswer(res: IncomingMessage, text: string): StsAnswerError {
  const doc = tryParse(text);
  const errorEl = childOf(childOf(doc, "Errors"), "Error") ?? childOf(doc, "Error");
  const code = textAt(errorEl, "Code");
  const message = textAt(errorEl, "message") ?? textAt(errorEl, "Message") ?? "Unknown";
  const name = code ?? (res.statusCode === 404 ? "NotFound" : "Unknown");
  return new StsAnswerError(name, message, res, code, textAt(errorEl, "Type"));
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(([-+]\d{2}:\d{2})|[Zz])$/;

/** A timestamp as the SDK accepts it (RFC 3339 with an offset), or a TypeError as it throws. */
function timestamp(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const d = RFC3339.test(text) ? new Date(text) : undefined;
  if (!d || Number.isNaN(d.getTime())) {
    throw new TypeError(`Invalid RFC3339 timestamp format ${text}`);
  }
  return d;
}

/** The success document: `<AssumeRoleWithWebIdentityResult>` inside the root element. */
function readOutput(res: IncomingMessage, text: string): WebIdentityOutput {
  const doc = tryParse(text);
  if (text.trim() && !doc) throw new StsAnswerError("Unknown", "Unknown", res);
  const result = childOf(doc, "AssumeRoleWithWebIdentityResult");
  const out: WebIdentityOutput = {};
  const c = childOf(result, "Credentials");
  try {
    if (c) {
      out.Credentials = {};
      const set = (k: "AccessKeyId" | "SecretAccessKey" | "SessionToken") => {
        const v = textAt(c, k);
        if (v !== undefined) out.Credentials![k] = v;
      };
      set("AccessKeyId");
      set("SecretAccessKey");
      set("SessionToken");
      const exp = timestamp(textAt(c, "Expiration"));
      if (exp) out.Credentials.Expiration = exp;
    }
  } catch {
    throw new StsAnswerError("Unknown", "Unknown", res);
  }
  const user = childOf(result, "AssumedRoleUser");
  if (user) {
    out.AssumedRoleUser = {};
    const id = textAt(user, "AssumedRoleId");
    const arn = textAt(user, "Arn");
    if (id !== undefined) out.AssumedRoleUser.AssumedRoleId = id;
    if (arn !== undefined) out.AssumedRoleUser.Arn = arn;
  }
  for (const k of ["SubjectFromWebIdentityToken", "Audience", "Provider", "SourceIdentity"]) {
    const v = textAt(result, k);
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  const packed = textAt(result, "PackedPolicySize");
  if (packed !== undefined) out.PackedPolicySize = Number(packed);
  return out;
}

/** AssumeRoleWithWebIdentity, one attempt: the output, or an error shaped as the SDK's. */
export async function assumeRoleWithWebIdentity(
  input: WebIdentityInput,
  opts: QueryCallOptions,
): Promise<WebIdentityOutput> {
  const { res, text } = await post(webIdentityBody(input), opts);
  const status = res.statusCode ?? -1;
  if (status < 200 || status >= 300) throw errorFromAnswer(res, text);
  return readOutput(res, text);
}
