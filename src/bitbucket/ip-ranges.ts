import { InputError } from "../errors.js";

/** Atlassian's published address feed (https://ip-ranges.atlassian.com/). */
export const ATLASSIAN_IP_RANGES_URL = "https://ip-ranges.atlassian.com/";

export interface IpRangeItem {
  network: string;
  mask_len: number;
  cidr: string;
  mask?: string;
  region: string[];
  product: string[];
  direction: string[];
  perimeter?: string;
}

export interface IpRangesFeed {
  syncToken: string;
  creationDate: string;
  items: IpRangeItem[];
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** Validates the feed's shape; `source` names the file or URL in errors. */
export function parseIpRangesFeed(json: unknown, source: string): IpRangesFeed {
  const bad = (why: string) =>
    new InputError(`${source} is not an Atlassian ip-ranges feed: ${why}.`, {
      hint: `Expected {"syncToken", "creationDate", "items": [{"cidr", "product", "direction", …}]} as served at ${ATLASSIAN_IP_RANGES_URL}`,
    });
  if (!json || typeof json !== "object" || Array.isArray(json)) throw bad("not a JSON object");
  const o = json as Record<string, unknown>;
  if (!Array.isArray(o.items)) throw bad('no "items" array');
  const items: IpRangeItem[] = o.items.map((raw, i) => {
    if (!raw || typeof raw !== "object") throw bad(`items[${i}] is not an object`);
    const r = raw as Record<string, unknown>;
    if (typeof r.cidr !== "string" || !r.cidr.includes("/"))
      throw bad(`items[${i}].cidr is not a CIDR`);
    const [network, len] = r.cidr.split("/") as [string, string];
    return {
      network: typeof r.network === "string" ? r.network : network,
      mask_len: typeof r.mask_len === "number" ? r.mask_len : Number(len),
      cidr: r.cidr,
      ...(typeof r.mask === "string" ? { mask: r.mask } : {}),
      region: strings(r.region),
      product: strings(r.product),
      direction: strings(r.direction),
      ...(typeof r.perimeter === "string" ? { perimeter: r.perimeter } : {}),
    };
  });
  return {
    syncToken: o.syncToken === undefined ? "" : String(o.syncToken),
    creationDate: typeof o.creationDate === "string" ? o.creationDate : "",
    items,
  };
}

/** The CIDRs Bitbucket Pipelines steps egress from (product bitbucket, direction egress). */
export function bitbucketEgressRanges(feed: IpRangesFeed): string[] {
  return feed.items
    .filter((i) => i.product.includes("bitbucket") && i.direction.includes("egress"))
    .map((i) => i.cidr);
}
