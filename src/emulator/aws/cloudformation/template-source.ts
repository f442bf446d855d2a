/**
 * Where a request's template comes from: `TemplateBody` (at most 51,200 bytes) or `TemplateURL`,
 * an object in the emulator's S3 read as the calling account (at most 1 MB), each limit with
 * CloudFormation's own refusal (docs/aws-behaviour.md, "CloudFormation" and "Limits").
 */
import { virtualBucket } from "../s3/addressing.js";
import { S3Error } from "../s3/errors.js";
import { s3State } from "../s3/state.js";
import type { Ctx } from "./action-kit.js";
import { account } from "./action-kit.js";
import { validationError } from "./errors.js";

/** TemplateBody's model maximum (bytes). */
export const MAX_TEMPLATE_BODY = 51_200;
/** A template read from S3 (bytes). */
export const MAX_TEMPLATE_URL_BODY = 1_048_576;

/** The template the request carries, or undefined when it names none. */
export function requestTemplate(ctx: Ctx): string | undefined {
  const body = ctx.params.get("TemplateBody");
  const url = ctx.params.get("TemplateURL");
  if (body !== undefined && url !== undefined)
    throw validationError("Specify exactly one of TemplateBody or TemplateURL.");
  if (body !== undefined) {
    if (Buffer.byteLength(body, "utf8") > MAX_TEMPLATE_BODY) {
      throw validationError(
        `1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY}`,
      );
    }
    return body;
  }
  return url === undefined ? undefined : templateAt(ctx, url);
}

function templateAt(ctx: Ctx, url: string): string {
  const where = s3Location(url);
  if (!where) throw validationError("TemplateURL must be a supported URL.");
  let data: Buffer;
  try {
    data = s3State(ctx.backend.store, () => ctx.backend.now()).getObject(
      account(ctx),
      where.bucket,
      where.key,
    ).data;
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    throw validationError("TemplateURL must reference a valid S3 object to which you have access.");
  }
  if (data.length > MAX_TEMPLATE_URL_BODY) {
    throw validationError(`Template may not exceed ${MAX_TEMPLATE_URL_BODY} bytes in size.`);
  }
  return data.toString("utf8");
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
const S3_HOST = /^s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/**
 * An S3 object URL: virtual-hosted (`https://<bucket>.s3.<region>.amazonaws.com/<key>`),
 * path-style (`https://s3.<region>.amazonaws.com/<bucket>/<key>`), or path-style at the emulator
 * itself (`http://127.0.0.1:<port>/<bucket>/<key>`, what `--endpoint-url` clients build).
 */
export function s3Location(url: string): { bucket: string; key: string } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return undefined;
  const host = u.hostname.toLowerCase();
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return undefined;
    }
  };
  const bucket = virtualBucket(u.host);
  if (bucket !== undefined) {
    const key = decode(u.pathname.slice(1));
    return key ? { bucket, key } : undefined;
  }
  if (!S3_HOST.test(host) && !LOOPBACK.test(host)) return undefined;
  const m = /^\/([^/]+)\/(.+)$/.exec(u.pathname);
  const b = m && decode(m[1]!);
  const key = m && decode(m[2]!);
  return b && key ? { bucket: b, key } : undefined;
}
