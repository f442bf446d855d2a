import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { resolveStsEndpointUrl } from "../../src/sts/sts-endpoint.js";

/**
 * The built-in client calls STS where the pinned AWS SDK would: for every region the SDK knows,
 * an unknown one in each partition, the fips-named forms and names it refuses, with FIPS and
 * dual-stack on and off, with and without a custom endpoint. The SDK's answer is read from the
 * request it was about to send (its own rules, partitions and region checks), or its error.
 */
const KNOWN = [
  "us-east-1",
  "us-west-2",
  "eu-central-1",
  "eu-west-1",
  "ap-southeast-7",
  "mx-central-1",
  "il-central-1",
  "aws-global",
  "cn-north-1",
  "cn-northwest-1",
  "aws-cn-global",
  "us-gov-west-1",
  "us-gov-east-1",
  "aws-us-gov-global",
  "us-iso-east-1",
  "us-isob-east-1",
  "eu-isoe-west-1",
  "us-isof-south-1",
  "eusc-de-east-1",
];
const UNKNOWN = [
  "eu-north-9",
  "ap-future-4",
  "cn-south-7",
  "us-gov-central-2",
  "us-iso-north-3",
  "us-isob-south-5",
  "eu-isoe-north-2",
  "us-isof-west-8",
  "eusc-de-west-3",
  "eusc-fr-east-1",
  "xx-nowhere-1",
  "local",
];
const FIPS_NAMED = ["fips-us-gov-west-1", "us-east-1-fips", "aws-fips", "fips-aws-global"];
const REFUSED = ["-bad", "bad-", "a_b", "x".repeat(64)];

/** Where the SDK sends AssumeRoleWithWebIdentity, or the message it refuses with. */
async function sdkTarget(
  region: string,
  useFips: boolean,
  useDualstack: boolean,
  endpoint: string | undefined,
): Promise<string> {
  const client = new STSClient({
    region,
    useFipsEndpoint: useFips,
    useDualstackEndpoint: useDualstack,
    ...(endpoint ? { endpoint } : {}),
    credentials: { accessKeyId: "unused", secretAccessKey: "unused" },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    () => async (args) => {
      const r = args.request as { protocol: string; hostname: string; port?: number };
      throw Object.assign(new Error("captured"), {
        url: `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ""}`,
      });
    },
    { step: "finalizeRequest", priority: "low" },
  );
  try {
    await client.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: "arn:aws:iam::111111111111:role/r",
        RoleSessionName: "s1",
        WebIdentityToken: "a.b.c",
      }),
    );
    return "sent?";
  } catch (err) {
    const e = err as Error & { url?: string };
    return e.url ?? `error: ${e.message}`;
  } finally {
    client.destroy();
  }
}

function ours(
  region: string,
  useFips: boolean,
  useDualstack: boolean,
  endpoint: string | undefined,
): string {
  try {
    const url = new URL(
      resolveStsEndpointUrl({ region, useFips, useDualstack, ...(endpoint ? { endpoint } : {}) }),
    );
    return `${url.protocol}//${url.host}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

describe("STS endpoint resolution", () => {
  const regions = [...KNOWN, ...UNKNOWN, ...FIPS_NAMED, ...REFUSED];
  for (const endpoint of [undefined, "http://127.0.0.1:4566"]) {
    it(`matches the SDK for ${regions.length} regions × FIPS × dual-stack, ${endpoint ? "with" : "without"} a custom endpoint`, async () => {
      const differ: string[] = [];
      for (const region of regions) {
        for (const fips of [false, true]) {
          for (const dual of [false, true]) {
            const want = await sdkTarget(region, fips, dual, endpoint);
            const got = ours(region, fips, dual, endpoint);
            if (got !== want) differ.push(`${region} fips=${fips} dual=${dual}: ${got} ≠ ${want}`);
          }
        }
      }
      expect(differ).toEqual([]);
    });
  }

  it("names the partitions' own hosts", () => {
    const at = (region: string, o: { useFips?: boolean; useDualstack?: boolean } = {}) =>
      resolveStsEndpointUrl({ region, ...o });
    expect(at("eu-west-1")).toBe("https://sts.eu-west-1.amazonaws.com");
    expect(at("cn-north-1")).toBe("https://sts.cn-north-1.amazonaws.com.cn");
    expect(at("us-gov-west-1", { useFips: true })).toBe("https://sts.us-gov-west-1.amazonaws.com");
    expect(at("us-east-1", { useFips: true })).toBe("https://sts-fips.us-east-1.amazonaws.com");
    expect(at("eu-west-1", { useDualstack: true })).toBe("https://sts.eu-west-1.api.aws");
    expect(at("aws-global")).toBe("https://sts.amazonaws.com");
  });
});
