import { bitbucketEgressRanges, parseIpRangesFeed } from "../bitbucket/index.js";
import { FetchError, InputError } from "../errors.js";
import type { JsonFetcher } from "../oidc/index.js";
import type { DiscoverWarning, IpRangesFacts } from "./types.js";

/** The step setting Atlassian's fixed egress ranges depend on (bitbucket-pipelines.yml). */
export const ATLASSIAN_IP_RANGES_STEP_YAML = `- step:
    size: 4x            # or 8x: only these sizes can use Atlassian's ranges
    oidc: true
    runtime:
      cloud:
        atlassian-ip-ranges: true`;

export const EGRESS_NOTE =
  "These ranges apply only to steps with `runtime: cloud: atlassian-ip-ranges: true` (4x/8x steps). " +
  "Without it a step egresses from broad cloud provider ranges, and an aws:SourceIp condition on these ranges refuses it.";

/**
 * Fetches Atlassian's feed and keeps Pipelines' egress (product bitbucket, direction egress).
 * A feed of the wrong shape is the server's fault, not the user's: `FetchError`
 * `ERR_IP_RANGES_INVALID` naming the URL.
 */
export async function fetchEgressRanges(
  url: string,
  fetcher: JsonFetcher,
  timeoutMs: number,
): Promise<{ facts: IpRangesFacts; warnings: DiscoverWarning[] }> {
  const json = await fetcher(url, { timeoutMs });
  let feed: ReturnType<typeof parseIpRangesFeed>;
  try {
    feed = parseIpRangesFeed(json, url);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new FetchError("ERR_IP_RANGES_INVALID", e.message, url, {
      cause: e,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    });
  }
  const egress = bitbucketEgressRanges(feed);
  const ipv6 = egress.filter((c) => c.includes(":")).length;
  const warnings: DiscoverWarning[] = [];
  if (egress.length === 0) {
    warnings.push({
      code: "NO_EGRESS_RANGES",
      message: `${url} lists no ranges with product "bitbucket" and direction "egress"`,
    });
  }
  return {
    facts: {
      url,
      syncToken: feed.syncToken,
      creationDate: feed.creationDate,
      egress,
      ipv4: egress.length - ipv6,
      ipv6,
      note: EGRESS_NOTE,
      stepYaml: ATLASSIAN_IP_RANGES_STEP_YAML,
    },
    warnings,
  };
}
