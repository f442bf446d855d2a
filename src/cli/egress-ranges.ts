import { bitbucketEgressRanges, parseIpRangesFeed } from "../bitbucket/index.js";
import { InputError } from "../errors.js";
import { parseJsonText, readTextFile } from "./io.js";

/** `--ip-ranges FILE`: Bitbucket's egress CIDRs from a saved Atlassian ip-ranges feed. */
export function readEgressRanges(path: string): string[] {
  const cidrs = bitbucketEgressRanges(
    parseIpRangesFeed(parseJsonText(readTextFile(path, "--ip-ranges"), path), path),
  );
  if (cidrs.length === 0) {
    throw new InputError(`${path} lists no ranges with product "bitbucket" and direction "egress"`);
  }
  return cidrs;
}
