/**
 * Which bucket and key a request names. Path-style: `/<bucket>/<key>`. Virtual-hosted: the
 * bucket is the first labels of the Host, before an S3 endpoint name (`s3.amazonaws.com`,
 * `s3.<region>.amazonaws.com`, `s3-<region>.amazonaws.com`) or `localhost` (so
 * `<bucket>.localhost:<port>` reaches the emulator). Any other host is path-style.
 */

export interface S3Address {
  bucket?: string;
  /** Decoded key; undefined when the request names the bucket (or the service) alone. */
  key?: string;
  style: "path" | "virtual";
}

const VIRTUAL_SUFFIX =
  /^(.+?)\.(s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?|s3\.localhost|localhost)$/;

/** The bucket a Host header names, if it is virtual-hosted. */
export function virtualBucket(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, "").toLowerCase();
  if (/^[\d.]+$/.test(name) || name.startsWith("[")) return undefined;
  return VIRTUAL_SUFFIX.exec(name)?.[1];
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** `rawPath` is the request path as sent (still percent-encoded), without the query. */
export function addressOf(host: string | undefined, rawPath: string): S3Address {
  const bucket = virtualBucket(host);
  if (bucket !== undefined) {
    const key = rawPath.length > 1 ? decode(rawPath.slice(1)) : undefined;
    return { bucket, ...(key === undefined ? {} : { key }), style: "virtual" };
  }
  const rest = rawPath.slice(1);
  if (rest === "") return { style: "path" };
  const slash = rest.indexOf("/");
  if (slash < 0) return { bucket: decode(rest), style: "path" };
  const key = rest.slice(slash + 1);
  return {
    bucket: decode(rest.slice(0, slash)),
    ...(key === "" ? {} : { key: decode(key) }),
    style: "path",
  };
}

/** S3's bucket naming rules for new buckets (general purpose buckets). */
export function isValidBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith("xn--") &&
    !name.startsWith("sthree-") &&
    !name.endsWith("-s3alias") &&
    !name.endsWith("--ol-s3")
  );
}
