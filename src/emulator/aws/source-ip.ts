import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import { AwsError } from "./errors.js";

export const SOURCE_IP_HEADER = "x-bb-oidc-source-ip";

export interface SourceIpOptions {
  /** Replaces the peer address for every caller. */
  sourceIp?: string;
  /** Let each request name its address in `x-bb-oidc-source-ip` (tests of IP conditions). */
  trustSourceIpHeader?: boolean;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so IPv4 CIDR conditions match as they would on AWS. */
export function normaliseIp(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  return ipaddr.process(address).toString();
}

/** `aws:SourceIp` for a request: the header (if trusted), else the override, else the TCP peer. */
export function sourceIpOf(req: IncomingMessage, options: SourceIpOptions): string | undefined {
  if (options.trustSourceIpHeader) {
    const raw = req.headers[SOURCE_IP_HEADER];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) {
      const ip = normaliseIp(value.trim());
      if (!ip) {
        throw new AwsError(
          "InvalidParameterValue",
          400,
          `The ${SOURCE_IP_HEADER} header must be an IPv4 or IPv6 address (got '${value.slice(0, 64)}').`,
        );
      }
      return ip;
    }
  }
  if (options.sourceIp !== undefined) return options.sourceIp;
  const peer = req.socket.remoteAddress;
  return peer === undefined ? undefined : normaliseIp(peer);
}
