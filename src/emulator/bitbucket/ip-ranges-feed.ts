import ipaddr from "ipaddr.js";
import type { IpRangeItem, IpRangesFeed } from "../../bitbucket/index.js";

function item(cidr: string, product: string[], direction: string[], region: string[]): IpRangeItem {
  const [network, len] = cidr.split("/") as [string, string];
  const maskLen = Number(len);
  const mask =
    ipaddr.isValid(network) && ipaddr.parse(network).kind() === "ipv6"
      ? ipaddr.IPv6.subnetMaskFromPrefixLength(maskLen).toString()
      : ipaddr.IPv4.subnetMaskFromPrefixLength(maskLen).toString();
  return {
    network,
    mask_len: maskLen,
    cidr,
    mask,
    region,
    product,
    direction,
    perimeter: "global",
  };
}

/**
 * The emulator's stand-in for https://ip-ranges.atlassian.com/: the real schema, but only
 * documentation-reserved addresses (RFC 5737, RFC 3849), so nothing derived from it can ever
 * allow a real network. Bitbucket egress ranges sit next to ingress-only and other-product items,
 * which is what a consumer has to filter correctly. Fixed values keep tests and docs stable.
 */
export function defaultIpRangesFeed(): IpRangesFeed {
  return {
    syncToken: "1700000000",
    creationDate: "2024-01-01T00:00:00.000000",
    items: [
      item("192.0.2.0/25", ["bitbucket"], ["egress"], ["us-east-1"]),
      item("198.51.100.0/24", ["bitbucket"], ["egress"], ["us-west-2"]),
      item("203.0.113.64/26", ["bitbucket"], ["ingress", "egress"], ["eu-west-1"]),
      item("2001:db8:b0::/48", ["bitbucket"], ["egress"], ["global"]),
      item("192.0.2.128/25", ["bitbucket"], ["ingress"], ["global"]),
      item("203.0.113.0/26", ["jira"], ["ingress"], ["us-east-1"]),
      item("203.0.113.128/25", ["confluence"], ["egress"], ["eu-central-1"]),
      item("2001:db8:c0::/48", ["jira", "confluence"], ["ingress", "egress"], ["global"]),
    ],
  };
}
