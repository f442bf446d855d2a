/**
 * The AWS clients deploy, status and destroy use, from the flags and the environment as the SDK
 * resolves them (region, credentials, AWS_ENDPOINT_URL…), through the step's proxy.
 */
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { BbOidcError, InputError } from "../../errors.js";
import { sdkNetworkOptions } from "../network.js";

export interface AwsTarget {
  region?: string;
  endpointUrl?: string;
}

/** The region as the AWS CLI resolves it (flag, AWS_REGION, AWS_DEFAULT_REGION). */
export function regionOf(t: AwsTarget): string | undefined {
  return t.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
}

export function requireRegion(t: AwsTarget): string {
  const r = regionOf(t);
  if (!r) {
    throw new InputError("no AWS region: pass --region (or set AWS_REGION)", {
      hint: "IAM is global, but CloudFormation works in a region: the stacks (or StackSets) live there.",
    });
  }
  return r;
}

type Service = "CLOUDFORMATION" | "S3" | "STS" | "IAM" | "ORGANIZATIONS";

function common(t: AwsTarget, service: Service) {
  const region = regionOf(t);
  return {
    ...(region ? { region } : {}),
    ...(t.endpointUrl ? { endpoint: t.endpointUrl } : {}),
    ...sdkNetworkOptions(process.env),
    // A custom endpoint (the emulator) is addressed by path: <bucket>.localhost needs DNS.
    ...(service === "S3" && endpointOf(t, "S3") ? { forcePathStyle: true } : {}),
  };
}

/** The endpoint a service is reached at, when not AWS's own. */
export function endpointOf(t: AwsTarget, service: Service): string | undefined {
  return (
    t.endpointUrl ?? process.env[`AWS_ENDPOINT_URL_${service}`] ?? process.env.AWS_ENDPOINT_URL
  );
}

export function cloudFormation(t: AwsTarget): CloudFormationClient {
  return new CloudFormationClient(common(t, "CLOUDFORMATION"));
}

export function s3Client(t: AwsTarget): S3Client {
  return new S3Client(common(t, "S3"));
}

export function stsClient(t: AwsTarget): STSClient {
  return new STSClient(common(t, "STS"));
}

/** IAM and Organizations are global: signed for us-east-1 unless a region is given. */
export function iamClient(
  t: AwsTarget,
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): IAMClient {
  return new IAMClient({
    region: "us-east-1",
    ...common(t, "IAM"),
    ...(credentials ? { credentials } : {}),
  });
}

export function organizationsClient(t: AwsTarget): OrganizationsClient {
  return new OrganizationsClient({ region: "us-east-1", ...common(t, "ORGANIZATIONS") });
}

/** Polling faster against a local endpoint: the emulator finishes in well under a second. */
export function pollMs(t: AwsTarget): number {
  const endpoint = endpointOf(t, "CLOUDFORMATION");
  return endpoint && /^https?:\/\/(127\.|localhost|\[::1\])/.test(endpoint) ? 100 : 2000;
}

/** The account the credentials belong to (STS GetCallerIdentity). */
export async function callerAccount(t: AwsTarget): Promise<string> {
  return (await callerIdentity(t)).account;
}

/** The account and partition of the credentials (STS GetCallerIdentity). */
export async function callerIdentity(
  t: AwsTarget,
): Promise<{ account: string; partition: string; root: boolean }> {
  const sts = new STSClient(common(t, "STS"));
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    if (!id.Account)
      throw new BbOidcError("ERR_AWS_REFUSED", "STS GetCallerIdentity named no account");
    return {
      account: id.Account,
      partition: id.Arn?.split(":")[1] || "aws",
      root: id.Arn?.endsWith(":root") === true,
    };
  } catch (err) {
    throw awsFailure(err, "STS");
  } finally {
    sts.destroy();
  }
}

/** Where a template URL points for the S3 endpoint in use. */
export function s3UrlBase(t: AwsTarget, region: string): string {
  return endpointOf(t, "S3") ?? `https://s3.${region}.amazonaws.com`;
}

/**
 * AWS's refusals are failures to report, not bugs; the ones users meet most get the cause and
 * the fix.
 */
export function awsFailure(err: unknown, service = "CloudFormation"): unknown {
  const e = err as { name?: string; message?: string; $metadata?: unknown };
  if (err instanceof BbOidcError) return err;
  if (e && typeof e === "object" && e.$metadata !== undefined && e.name) {
    return new BbOidcError(
      "ERR_AWS_REFUSED",
      `${service} refused: ${e.name}: ${e.message}`,
      hintFor(e.name, e.message ?? "")
        ? { actual: e.name, hint: hintFor(e.name, e.message ?? "")! }
        : { actual: e.name },
    );
  }
  if (e && typeof e === "object" && e.name === "CredentialsProviderError") {
    return new BbOidcError("ERR_AWS_CREDENTIALS", `no AWS credentials: ${e.message}`, {
      hint: "Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile, or run `bb-oidc credentials` first.",
    });
  }
  return err;
}

function hintFor(name: string, message: string): string | undefined {
  if (name === "InsufficientCapabilitiesException")
    return "Pass the capability it names with --capabilities (bb-oidc templates create IAM roles).";
  if (/Templates? .*51200|templateBody.*51200/.test(message))
    return "Deploy through S3: add --s3-bucket BUCKET (and --s3-prefix), as with `aws cloudformation deploy`.";
  if (name === "NoSuchBucket" || name === "AccessDenied")
    return "Check --s3-bucket: the bucket must exist and belong to the deploying account.";
  return providerExistsHint(message);
}

/**
 * An OIDC provider for the issuer already in the account: use it instead of creating one — in
 * bb-oidc.yaml, or (`--template`) by taking the provider out of the template.
 */
export function providerExistsHint(
  reason: string,
  source: "config" | "template" = "config",
): string | undefined {
  if (!/already exists/i.test(reason) || !/provider|oidc/i.test(reason)) return undefined;
  const cause =
    "The workspace's OIDC provider already exists in that account (created by hand or by another stack).";
  return source === "config"
    ? `${cause} Use it: set \`provider: { create: false }\` in bb-oidc.yaml and deploy again.`
    : `${cause} Use it: take the AWS::IAM::OIDCProvider resource out of the template and name the existing provider's ARN in the trust policies (\`bb-oidc template\` does so with \`provider: { create: false }\` in bb-oidc.yaml), and deploy again.`;
}
