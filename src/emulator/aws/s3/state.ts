/**
 * The emulator's S3: buckets owned by accounts, objects in them, kept in the emulator's store.
 * Every call is made as an account (the caller's); a bucket of another account is AccessDenied,
 * as a bucket without a policy granting access is in AWS.
 */
import type { Store } from "../../store/types.js";
import { isValidBucketName } from "./addressing.js";
import {
  accessDenied,
  bucketAlreadyExists,
  bucketAlreadyOwnedByYou,
  bucketNotEmpty,
  entityTooLarge,
  invalidBucketName,
  noSuchBucket,
  noSuchKey,
  S3Error,
} from "./errors.js";
import { type BucketRecord, type ObjectRecord, objectKey, S3_COLLECTIONS } from "./records.js";

/**
 * The emulator keeps objects in its state files, so it takes up to 16 MiB in one PUT (AWS: 5 GB);
 * templates are at most 1 MB (docs/aws-behaviour.md, "S3").
 */
export const MAX_OBJECT_BYTES = 16 * 1024 * 1024;
/** A key is at most 1,024 bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;

export interface PutInput {
  contentType?: string;
  checksum?: { algorithm: string; value: string };
  metadata: Record<string, string>;
  etag: string;
}

export interface ListInput {
  prefix: string;
  delimiter?: string;
  /** List keys after this one (StartAfter, or the decoded continuation token). */
  after?: string;
  maxKeys: number;
}

export interface ListResult {
  objects: ObjectRecord[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or prefix returned, for the next page. */
  last?: string;
}

export class S3State {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  private bucket(name: string): BucketRecord | undefined {
    return this.store.get<BucketRecord>(S3_COLLECTIONS.buckets, name);
  }

  /** The bucket, if `account` may use it. */
  requireBucket(account: string, name: string): BucketRecord {
    const b = this.bucket(name);
    if (!b) throw noSuchBucket(name);
    if (b.account !== account) throw accessDenied();
    return b;
  }

  listBuckets(account: string): BucketRecord[] {
    return this.store
      .list<BucketRecord>(S3_COLLECTIONS.buckets)
      .filter((b) => b.account === account)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** us-east-1 answers a repeated create by the owner with success (a legacy of that region). */
  async createBucket(account: string, name: string, region: string): Promise<BucketRecord> {
    if (!isValidBucketName(name)) throw invalidBucketName(name);
    const existing = this.bucket(name);
    if (existing) {
      if (existing.account !== account) throw bucketAlreadyExists(name);
      if (region === "us-east-1" && existing.region === "us-east-1") return existing;
      throw bucketAlreadyOwnedByYou(name);
    }
    const record: BucketRecord = { name, account, region, created: this.now() };
    await this.store.put(S3_COLLECTIONS.buckets, name, record);
    return record;
  }

  async deleteBucket(account: string, name: string): Promise<void> {
    this.requireBucket(account, name);
    if (this.objectsOf(name).length > 0) throw bucketNotEmpty(name);
    await this.store.delete(S3_COLLECTIONS.buckets, name);
  }

  async putObject(
    account: string,
    bucket: string,
    key: string,
    data: Buffer,
    input: PutInput,
  ): Promise<ObjectRecord> {
    this.requireBucket(account, bucket);
    checkKey(key);
    if (data.length > MAX_OBJECT_BYTES) throw entityTooLarge(data.length, MAX_OBJECT_BYTES);
    const record: ObjectRecord = {
      bucket,
      key,
      size: data.length,
      etag: input.etag,
      lastModified: this.now(),
      contentType: input.contentType ?? "binary/octet-stream",
      metadata: input.metadata,
    };
    if (input.checksum) record.checksum = input.checksum;
    const id = objectKey(bucket, key);
    await this.store.batch([
      { op: "put", collection: S3_COLLECTIONS.objects, key: id, value: record },
      { op: "put", collection: S3_COLLECTIONS.bodies, key: id, value: data.toString("base64") },
    ]);
    return record;
  }

  headObject(account: string, bucket: string, key: string): ObjectRecord {
    this.requireBucket(account, bucket);
    const record = this.store.get<ObjectRecord>(S3_COLLECTIONS.objects, objectKey(bucket, key));
    if (!record) throw noSuchKey(key);
    return record;
  }

  getObject(account: string, bucket: string, key: string): { record: ObjectRecord; data: Buffer } {
    const record = this.headObject(account, bucket, key);
    const body = this.store.get<string>(S3_COLLECTIONS.bodies, objectKey(bucket, key)) ?? "";
    return { record, data: Buffer.from(body, "base64") };
  }

  /** Deleting a key that does not exist succeeds, as in S3. */
  async deleteObject(account: string, bucket: string, key: string): Promise<void> {
    this.requireBucket(account, bucket);
    const id = objectKey(bucket, key);
    if (!this.store.get(S3_COLLECTIONS.objects, id)) return;
    await this.store.batch([
      { op: "delete", collection: S3_COLLECTIONS.objects, key: id },
      { op: "delete", collection: S3_COLLECTIONS.bodies, key: id },
    ]);
  }

  /** Keys in UTF-8 binary order, as S3 lists them; a delimiter rolls keys up into prefixes. */
  listObjects(account: string, bucket: string, input: ListInput): ListResult {
    this.requireBucket(account, bucket);
    const all = this.objectsOf(bucket)
      .filter((o) => o.key.startsWith(input.prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    const objects: ObjectRecord[] = [];
    const prefixes: string[] = [];
    let last: string | undefined;
    let truncated = false;
    for (const o of all) {
      let entry: string = o.key;
      let rolled = false;
      if (input.delimiter) {
        const at = o.key.indexOf(input.delimiter, input.prefix.length);
        if (at >= 0) {
          entry = o.key.slice(0, at + input.delimiter.length);
          rolled = true;
        }
      }
      if (
        input.after !== undefined &&
        Buffer.compare(Buffer.from(entry), Buffer.from(input.after)) <= 0
      )
        continue;
      if (rolled && prefixes[prefixes.length - 1] === entry) continue;
      if (objects.length + prefixes.length >= input.maxKeys) {
        truncated = true;
        break;
      }
      if (rolled) prefixes.push(entry);
      else objects.push(o);
      last = entry;
    }
    return { objects, prefixes, truncated, ...(last === undefined ? {} : { last }) };
  }

  private objectsOf(bucket: string): ObjectRecord[] {
    return this.store.list<ObjectRecord>(S3_COLLECTIONS.objects).filter((o) => o.bucket === bucket);
  }
}

function checkKey(key: string): void {
  if (key === "") throw new S3Error("InvalidArgument", 400, "An object key may not be empty.");
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    throw new S3Error("KeyTooLongError", 400, "Your key is too long", {
      MaxSizeAllowed: String(MAX_KEY_BYTES),
      Size: String(Buffer.byteLength(key, "utf8")),
    });
  }
}

const states = new WeakMap<Store, S3State>();

/** One S3 state per emulator store. */
export function s3State(store: Store, now: () => number): S3State {
  let s = states.get(store);
  if (!s) {
    s = new S3State(store, now);
    states.set(store, s);
  }
  return s;
}
