/**
 * STS's endpoint for a region, resolved as the pinned AWS SDK (v3) resolves it: its STS endpoint
 * rules and its partition table (src/shared/aws-partitions.ts; docs/aws-behaviour.md "STS's Query
 * protocol and endpoints").
 * The built-in client (query-client.ts) calls this; test/sts-client/endpoint.test.ts checks it
 * against the SDK's own resolver for known regions, unknown ones of each partition, and each
 * FIPS/dual-stack setting, so an SDK upgrade that changes a rule fails there.
 */
import { BbOidcError } from "../errors.js";
import { PARTITIONS, type Partition } from "../shared/aws-partitions.js";

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
