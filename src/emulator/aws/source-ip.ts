import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import ipaddr from "ipaddr.js";
import { BbOidcError } from "../../errors.js";
import { AwsError } from "./errors.js";

export const SOURCE_IP_HEADER = "x-bb-oidc-source-ip";
/** The header value that makes `aws:SourceIp` absent for that request. */
export const SOURCE_IP_ABSENT = "none";

export interface SourceIpOptions {
  /**
   * Replaces the peer address for every caller. Must be an IPv4 or IPv6 address: an empty
   * string is refused (omit the option to use the TCP peer address).
   */
  sourceIp?: string;
  /**
   * Let each request name its address in `x-bb-oidc-source-ip` (tests of IP conditions). The
   * value `none` makes `aws:SourceIp` absent for that request, as for a call that reaches AWS
   * through a service rather than from an address (IfExists / Null conditions).
   */
  trustSourceIpHeader?: boolean;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so IPv4 CIDR conditions match as they would on AWS. */
export function normaliseIp(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  return ipaddr.process(address).toString();
}

/**
 * The `sourceIp` option, checked and normalised once at start. Anything that is not an address
 * (including "") is refused rather than silently meaning "absent" or "the TCP peer".
 */
export function checkSourceIpOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ip = typeof value === "string" ? normaliseIp(value.trim()) : undefined;
  if (ip === undefined) {
    throw new BbOidcError(
      "ERR_INPUT",
      `sourceIp ${JSON.stringify(value)} is not an IPv4 or IPv6 address.`,
      {
        actual: value,
        hint:
          "Omit sourceIp to use each caller's TCP peer address; to make aws:SourceIp absent for " +
          `a request, enable trustSourceIpHeader and send ${SOURCE_IP_HEADER}: ${SOURCE_IP_ABSENT}.`,
      },
    );
  }
  return ip;
}

/**
 * `aws:SourceIp` for a request: the header (if trusted; `none` = absent), else the override,
 * else the TCP peer. Checks the options on every call; servers use `sourceIpResolver`.
 */
export function sourceIpOf(req: IncomingMessage, options: SourceIpOptions): string | undefined {
  const fromHeader = headerSourceIp(req, options);
  if (fromHeader !== undefined) return fromHeader === ABSENT ? undefined : fromHeader;
  if (options.sourceIp !== undefined) return checkSourceIpOption(options.sourceIp);
  const peer = req.socket.remoteAddress;
  return peer === undefined ? undefined : normaliseIp(peer);
}

/**
 * `sourceIpOf` for one server: the options are checked once (a bad `sourceIp` throws here, at
 * start), and a connection's peer address is parsed once, not on every keep-alive request.
 */
export function sourceIpResolver(
  options: SourceIpOptions,
): (req: IncomingMessage) => string | undefined {
  const override = checkSourceIpOption(options.sourceIp);
  const trustHeader = options.trustSourceIpHeader === true;
  const peers = new WeakMap<Socket, string | null>();
  return (req) => {
    if (trustHeader) {
      const fromHeader = headerSourceIp(req, options);
      if (fromHeader !== undefined) return fromHeader === ABSENT ? undefined : fromHeader;
    }
    if (override !== undefined) return override;
    const socket = req.socket;
    let peer = peers.get(socket);
    if (peer === undefined) {
      const raw = socket.remoteAddress;
      peer = (raw === undefined ? undefined : normaliseIp(raw)) ?? null;
      // A socket whose address is not known yet is not cached (it may be known later).
      if (raw !== undefined) peers.set(socket, peer);
    }
    return peer ?? undefined;
  };
}

const ABSENT: unique symbol = Symbol("absent");

/** The trusted header's address, ABSENT for `none`, or undefined when there is no header. */
function headerSourceIp(
  req: IncomingMessage,
  options: SourceIpOptions,
): string | typeof ABSENT | undefined {
  if (!options.trustSourceIpHeader) return undefined;
  const raw = req.headers[SOURCE_IP_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === SOURCE_IP_ABSENT) return ABSENT;
  const ip = normaliseIp(trimmed);
  if (!ip) {
    throw new AwsError(
      "InvalidParameterValue",
      400,
      `The ${SOURCE_IP_HEADER} header must be an IPv4 or IPv6 address, or '${SOURCE_IP_ABSENT}' for no address (got '${value.slice(0, 64)}').`,
    );
  }
  return ip;
}
