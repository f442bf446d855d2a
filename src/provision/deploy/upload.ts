/**
 * Templates beyond TemplateBody's 51,200 bytes go through S3, as `aws cloudformation deploy
 * --s3-bucket` sends them: one object per distinct template (named after its content, so an
 * unchanged template is not uploaded twice), and CloudFormation reads it by URL.
 */
import { createHash } from "node:crypto";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

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
    if (status !== 404) throw err;
  }
  if (!present) {
    await s3.send(
      new PutObjectCommand({
        Bucket: where.bucket,
        Key: key,
        Body: body,
        ContentType: "application/x-yaml",
      }),
    );
  }
  return templateUrl(where, key);
}
