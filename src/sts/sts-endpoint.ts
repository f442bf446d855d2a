import { BbOidcError } from "../errors.js";

/**
 * STS's endpoint for a region, resolved as the pinned AWS SDK (v3) resolves it: its STS endpoint
 * rules and its partition table (docs/aws-behaviour.md "STS's Query protocol and endpoints").
 * The built-in client (query-client.ts) calls this; test/sts-client/endpoint.test.ts checks it
 * against the SDK's own resolver for known regions, unknown ones of each partition, and each
 * FIPS/dual-stack setting, so an SDK upgrade that changes a rule fails there.
 */
interface Partition {
  name: string;
  regionRegex: RegExp;
  regions: readonly string[];
  dnsSuffix: string;
  dualStackDnsSuffix: string;
}

/** The SDK's partitions (every one supports FIPS and dual-stack), in its order of lookup. */
const PARTITIONS: readonly Partition[] = [
  {
    name: "aws",
    regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/,
    regions: [
      "af-south-1",
      "ap-east-1",
      "ap-east-2",
      "ap-northeast-1",
      "ap-northeast-2",
      "ap-northeast-3",
      "ap-south-1",
      "ap-south-2",
      "ap-southeast-1",
      "ap-southeast-2",
      "ap-southeast-3",
      "ap-southeast-4",
      "ap-southeast-5",
      "ap-southeast-6",
      "ap-southeast-7",
      "aws-global",
      "ca-central-1",
      "ca-west-1",
      "eu-central-1",
      "eu-central-2",
      "eu-north-1",
      "eu-south-1",
      "eu-south-2",
      "eu-west-1",
      "eu-west-2",
      "eu-west-3",
      "il-central-1",
      "me-central-1",
      "me-south-1",
      "me-west-1",
      "mx-central-1",
      "sa-east-1",
      "sa-west-1",
      "us-east-1",
      "us-east-2",
      "us-west-1",
      "us-west-2",
    ],
    dnsSuffix: "amazonaws.com",
    dualStackDnsSuffix: "api.aws",
  },
  {
    name: "aws-cn",
    regionRegex: /^cn-\w+-\d+$/,
    regions: ["aws-cn-global", "cn-north-1", "cn-northwest-1"],
    dnsSuffix: "amazonaws.com.cn",
    dualStackDnsSuffix: "api.amazonwebservices.com.cn",
  },
  {
    name: "aws-eusc",
    regionRegex: /^eusc-(de)-\w+-\d+$/,
    regions: ["eusc-de-east-1"],
    dnsSuffix: "amazonaws.eu",
    dualStackDnsSuffix: "api.amazonwebservices.eu",
  },
  {
    name: "aws-iso",
    regionRegex: /^us-iso-\w+-\d+$/,
    regions: ["aws-iso-global", "us-iso-east-1", "us-iso-west-1"],
    dnsSuffix: "c2s.ic.gov",
    dualStackDnsSuffix: "api.aws.ic.gov",
  },
  {
    name: "aws-iso-b",
    regionRegex: /^us-isob-\w+-\d+$/,
    regions: ["aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"],
    dnsSuffix: "sc2s.sgov.gov",
    dualStackDnsSuffix: "api.aws.scloud",
  },
  {
    name: "aws-iso-e",
    regionRegex: /^eu-isoe-\w+-\d+$/,
    regions: ["aws-iso-e-global", "eu-isoe-west-1"],
    dnsSuffix: "cloud.adc-e.uk",
    dualStackDnsSuffix: "api.cloud-aws.adc-e.uk",
  },
  {
    name: "aws-iso-f",
    regionRegex: /^us-isof-\w+-\d+$/,
    regions: ["aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"],
    dnsSuffix: "csp.hci.ic.gov",
    dualStackDnsSuffix: "api.aws.hci.ic.gov",
  },
  {
    name: "aws-us-gov",
    regionRegex: /^us-gov-\w+-\d+$/,
    regions: ["aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"],
    dnsSuffix: "amazonaws.com",
    dualStackDnsSuffix: "api.aws",
  },
];

/** A listed region first, then the first matching pattern, else `aws` (the SDK's order). */
function partitionOf(region: string): Partition {
  return (
    PARTITIONS.find((p) => p.regions.includes(region)) ??
    PARTITIONS.find((p) => p.regionRegex.test(region)) ??
    PARTITIONS[0]!
  );
}

/** How the SDK reads a region name before the rules: `fips-x`/`x-fips` mean x with FIPS. */
export function realRegion(region: string): { region: string; fips: boolean } {
  if (!region.startsWith("fips-") && !region.endsWith("-fips")) return { region, fips: false };
  if (region === "fips-aws-global" || region === "aws-fips") {
    return { region: "us-east-1", fips: true };
  }
  return { region: region.replace(/fips-(dkr-|prod-)?|-fips/, ""), fips: true };
}

/** The SDK's check of a region: one DNS label (it refuses anything else before any call). */
export function isValidRegion(region: string): boolean {
  return /^(?!.*-$)(?!-)[a-zA-Z0-9-]{1,63}$/.test(region);
}

export interface StsEndpointInput {
  region: string;
  /** An endpoint URL the user set (`--endpoint-url`, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL). */
  endpoint?: string;
  useFips?: boolean;
  useDualstack?: boolean;
}

/**
 * The URL STS is called at. Throws ERR_USAGE with the SDK's own wording where its rules refuse
 * a combination (FIPS or dual-stack with a custom endpoint).
 */
export function resolveStsEndpointUrl(input: StsEndpointInput): string {
  const named = realRegion(input.region);
  if (!isValidRegion(named.region)) {
    throw new BbOidcError(
      "ERR_USAGE",
      `Region not accepted: region="${named.region}" is not a valid hostname component.`,
    );
  }
  const fips = Boolean(input.useFips) || named.fips;
  const dualstack = Boolean(input.useDualstack);
  if (input.endpoint) {
    if (fips) {
      throw new BbOidcError(
        "ERR_USAGE",
        "Invalid Configuration: FIPS and custom endpoint are not supported",
      );
    }
    if (dualstack) {
      throw new BbOidcError(
        "ERR_USAGE",
        "Invalid Configuration: Dualstack and custom endpoint are not supported",
      );
    }
    return input.endpoint;
  }
  const region = named.region;
  const p = partitionOf(region);
  if (fips && dualstack) return `https://sts-fips.${region}.${p.dualStackDnsSuffix}`;
  if (fips) {
    // GovCloud's regular STS endpoints are FIPS endpoints already.
    return p.name === "aws-us-gov"
      ? `https://sts.${region}.amazonaws.com`
      : `https://sts-fips.${region}.${p.dnsSuffix}`;
  }
  if (dualstack) return `https://sts.${region}.${p.dualStackDnsSuffix}`;
  if (region === "aws-global") return "https://sts.amazonaws.com";
  return `https://sts.${region}.${p.dnsSuffix}`;
}
