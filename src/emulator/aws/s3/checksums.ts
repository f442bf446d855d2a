/**
 * The integrity checks S3 makes on an upload: Content-MD5, and the flexible checksums the SDKs
 * add by default (`x-amz-checksum-crc32` and friends), each compared with the received bytes.
 */
import { createHash } from "node:crypto";
import { S3Error } from "./errors.js";

function crcTable(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

const CRC32 = crcTable(0xedb88320);
const CRC32C = crcTable(0x82f63b78);

function crc(table: Uint32Array, data: Uint8Array): Buffer {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out;
}

/** base64 digest of `data` under a checksum algorithm, or undefined for one not checked here. */
export function checksumOf(algorithm: string, data: Uint8Array): string | undefined {
  switch (algorithm) {
    case "crc32":
      return crc(CRC32, data).toString("base64");
    case "crc32c":
      return crc(CRC32C, data).toString("base64");
    case "sha1":
      return createHash("sha1").update(data).digest("base64");
    case "sha256":
      return createHash("sha256").update(data).digest("base64");
    default:
      // crc64nvme and algorithms to come: stored as sent, not recomputed (docs/aws-behaviour.md, "S3").
      return undefined;
  }
}

export const CHECKSUM_ALGORITHMS = ["crc32", "crc32c", "sha1", "sha256", "crc64nvme"] as const;

/** The `x-amz-checksum-*` a request carries (header or trailer), checked against `data`. */
export function verifyChecksum(
  headers: Record<string, string | undefined>,
  data: Uint8Array,
): { algorithm: string; value: string } | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = headers[`x-amz-checksum-${algorithm}`];
    if (value === undefined) continue;
    const actual = checksumOf(algorithm, data);
    if (actual !== undefined && actual !== value) {
      throw new S3Error(
        "BadDigest",
        400,
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
      );
    }
    return { algorithm, value };
  }
  return undefined;
}

export function verifyContentMd5(contentMd5: string | undefined, data: Uint8Array): void {
  if (contentMd5 === undefined) return;
  if (!/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)) {
    throw new S3Error("InvalidDigest", 400, "The Content-MD5 you specified was invalid.");
  }
  if (createHash("md5").update(data).digest("base64") !== contentMd5) {
    throw new S3Error(
      "BadDigest",
      400,
      "The Content-MD5 you specified did not match what we received.",
    );
  }
}

export function etagOf(data: Uint8Array): string {
  return `"${createHash("md5").update(data).digest("hex")}"`;
}
