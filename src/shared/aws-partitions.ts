/**
 * AWS's partitions and their regions, as the pinned AWS SDK (v3) lists them in its partition
 * table (docs/aws-behaviour.md "STS's Query protocol and endpoints" and "Signature Version 4").
 * The one place the list lives: the built-in STS client resolves endpoints from it, and the
 * emulator accepts a signature's region when it is one of these. `*-global` entries are the
 * SDK's pseudo-regions for global endpoints, not regions. Add a region here when AWS opens one.
 */
export interface Partition {
  name: string;
  regionRegex: RegExp;
  regions: readonly string[];
  dnsSuffix: string;
  dualStackDnsSuffix: string;
}

/** The SDK's partitions (every one supports FIPS and dual-stack), in its order of lookup. */
export const PARTITIONS: readonly Partition[] = [
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

const GLOBAL_PSEUDO_REGION = /^aws(-[a-z-]+)?-global$/;

const REGIONS: ReadonlySet<string> = new Set(
  PARTITIONS.flatMap((p) => p.regions).filter((r) => !GLOBAL_PSEUDO_REGION.test(r)),
);

/** A region AWS has in some partition (a signature's credential scope must name one). */
export function isAwsRegion(name: string): boolean {
  return REGIONS.has(name);
}
