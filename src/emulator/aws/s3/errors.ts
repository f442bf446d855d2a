/**
 * S3's errors: a code, an HTTP status and AWS's message, with the extra elements S3 adds (the
 * bucket, the key). Rendered as S3's REST error document, not the Query protocol's
 * (docs/aws-behaviour.md, "S3").
 */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = "S3Error";
  }
}

export const noSuchBucket = (bucket: string) =>
  new S3Error("NoSuchBucket", 404, "The specified bucket does not exist", { BucketName: bucket });

export const noSuchKey = (key: string) =>
  new S3Error("NoSuchKey", 404, "The specified key does not exist.", { Key: key });

export const accessDenied = (message = "Access Denied") =>
  new S3Error("AccessDenied", 403, message);

export const invalidBucketName = (bucket: string) =>
  new S3Error("InvalidBucketName", 400, "The specified bucket is not valid.", {
    BucketName: bucket,
  });

export const bucketAlreadyOwnedByYou = (bucket: string) =>
  new S3Error(
    "BucketAlreadyOwnedByYou",
    409,
    "Your previous request to create the named bucket succeeded and you already own it.",
    { BucketName: bucket },
  );

export const bucketAlreadyExists = (bucket: string) =>
  new S3Error(
    "BucketAlreadyExists",
    409,
    "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
    { BucketName: bucket },
  );

export const bucketNotEmpty = (bucket: string) =>
  new S3Error("BucketNotEmpty", 409, "The bucket you tried to delete is not empty", {
    BucketName: bucket,
  });

export const methodNotAllowed = (method: string, resource: string) =>
  new S3Error(
    "MethodNotAllowed",
    405,
    "The specified method is not allowed against this resource.",
    {
      Method: method,
      ResourceType: resource,
    },
  );

export const notImplemented = (what: string) =>
  new S3Error(
    "NotImplemented",
    501,
    `A header or query you provided implies functionality that is not implemented: ${what} (the bb-oidc emulator serves CreateBucket, PutObject, GetObject, HeadObject, ListObjectsV2, DeleteObject, HeadBucket, ListBuckets and DeleteBucket).`,
  );

export const invalidArgument = (message: string, name?: string, value?: string) =>
  new S3Error(
    "InvalidArgument",
    400,
    message,
    name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? "" },
  );

export const entityTooLarge = (size: number, max: number) =>
  new S3Error("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size", {
    ProposedSize: String(size),
    MaxSizeAllowed: String(max),
  });
