/**
 * Templates beyond TemplateBody's 51,200 bytes go through S3, as `aws cloudformation deploy
 * --s3-bucket` sends them: one object per distinct template (named after its content, so an
 * unchanged template is not uploaded twice), and CloudFormation reads it by URL.
 */
import { createHash } from "node:crypto";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { BbOidcError } from "../../errors.js";

export interface TemplateBucket {
  bucket: string;
  /** Key prefix, without a trailing slash. */
  prefix?: string;
  /** The S3 endpoint the URL names: `https://s3.<region>.amazonaws.com`, or an emulator's. */
  endpoint: string;
}

export function templateKey(unit: string, body: string, prefix?: string): string {
  const digest = createHash("sha256").update(body).digest("hex").slice(0, 16);
  return `${prefix ? `${prefix.replace(/\/+$/, "")}/` : ""}${unit}-${digest}.template`;
}

/** Path-style: valid for any bucket name (a dotted name breaks virtual-hosted TLS). */
export function templateUrl(where: TemplateBucket, key: string): string {
  const path = key.split("/").map(encodeURIComponent).join("/");
  return `${where.endpoint.replace(/\/+$/, "")}/${encodeURIComponent(where.bucket)}/${path}`;
}

export async function uploadTemplate(
  s3: S3Client,
  where: TemplateBucket,
  unit: string,
  body: string,
): Promise<string> {
  const key = templateKey(unit, body, where.prefix);
  let present = false;
  try {
    await s3.send(new HeadObjectCommand({ Bucket: where.bucket, Key: key }));
    present = true;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404) throw uploadFailure(err, where, key, unit);
  }
  if (!present) {
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: where.bucket,
          Key: key,
          Body: body,
          ContentType: "application/x-yaml",
        }),
      );
    } catch (err) {
      throw uploadFailure(err, where, key, unit);
    }
  }
  return templateUrl(where, key);
}

/** S3's refusal, named as S3's (not CloudFormation's), with the object it was about and the fix. */
function uploadFailure(err: unknown, where: TemplateBucket, key: string, unit: string): unknown {
  const e = err as { name?: string; message?: string; $metadata?: unknown };
  if (e?.$metadata === undefined || !e.name) return err;
  const hint =
    e.name === "NoSuchBucket"
      ? `Create the bucket first (aws s3 mb s3://${where.bucket}), or name an existing one with --s3-bucket.`
      : e.name === "AccessDenied"
        ? `The deploying credentials need s3:PutObject and s3:GetObject on arn:aws:s3:::${where.bucket}/*, and CloudFormation must be able to read what they store.`
        : "Check --s3-bucket: the bucket must exist, in this region, and take objects from these credentials.";
  return new BbOidcError(
    "ERR_AWS_REFUSED",
    `S3 refused to store the template of ${unit} as s3://${where.bucket}/${key}: ${e.name}: ${e.message}`,
    { actual: e.name, hint },
  );
}
