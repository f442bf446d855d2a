/** What the emulator's S3 keeps: buckets, object metadata, and object bodies (stored apart). */

export interface BucketRecord {
  name: string;
  /** The owning account: only it may use the bucket (the emulator has no bucket policies). */
  account: string;
  region: string;
  /** Epoch milliseconds. */
  created: number;
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  size: number;
  /** Quoted hex MD5 of the body, as S3 gives it for single-part uploads. */
  etag: string;
  /** Epoch milliseconds. */
  lastModified: number;
  contentType: string;
  /** `x-amz-checksum-<algorithm>` as sent, when the client sent one. */
  checksum?: { algorithm: string; value: string };
  /** `x-amz-meta-*` headers, lower-cased names without the prefix. */
  metadata: Record<string, string>;
}

export const S3_COLLECTIONS = {
  buckets: "s3-buckets",
  objects: "s3-objects",
  bodies: "s3-object-bodies",
} as const;

export const objectKey = (bucket: string, key: string): string => `${bucket}/${key}`;
