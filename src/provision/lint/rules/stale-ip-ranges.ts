import ipaddr from "ipaddr.js";
import type { LintRule } from "../types.js";
import { conditionPosition, quoteList } from "./helpers.js";
import { sourceIpAllowLists } from "./ip-conditions.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseRange(text: string): Range | undefined {
  try {
    if (text.includes("/")) return ipaddr.parseCIDR(text);
    const a = ipaddr.parse(text);
    return [a, a.kind() === "ipv4" ? 32 : 128];
  } catch {
    return undefined;
  }
}

/** Whether block `inner` lies entirely inside one of `outer`. */
function inside(inner: Range, outer: readonly Range[]): boolean {
  return outer.some(
    ([net, bits]) =>
      net.kind() === inner[0].kind() && inner[1] >= bits && inner[0].match([net, bits] as never),
  );
}

/** Addresses copied from an old blog post (the seed's 15 /32s) outlive Atlassian's ranges. */
export const staleIpRanges: LintRule = {
  id: "stale-ip-ranges",
  severity: "warning",
  description:
    "aws:SourceIp lists addresses that are not inside any current Bitbucket egress range of Atlassian's feed (--ip-ranges).",
  help: "Replace the list with the current ranges from https://ip-ranges.atlassian.com/ (product bitbucket, direction egress); bb-oidc template does this with sourceIps: bitbucket-egress.",
  check(ctx, report) {
    const egress = ctx.options.egressRanges;
    if (!egress || egress.length === 0) return;
    const ranges = egress.map(parseRange).filter((r): r is Range => r !== undefined);
    for (const { target, statement, condition } of sourceIpAllowLists(ctx.trusts)) {
      const stale = condition.values.filter((v) => {
        const r = parseRange(v);
        return r !== undefined && !inside(r, ranges);
      });
      if (stale.length === 0) continue;
      report({
        file: target.file,
        position: conditionPosition(target, condition),
        message: `${target.label}: statement ${statement.index} admits ${quoteList(stale)} through aws:SourceIp, ${stale.length === 1 ? "which is" : `${stale.length} of ${condition.values.length} entries that are`} not inside any current Bitbucket egress range.`,
        fix: `Replace the list with the ${ranges.length} current Bitbucket egress range(s) from the feed (e.g. ${quoteList(egress, 2)}).`,
      });
    }
  },
};
