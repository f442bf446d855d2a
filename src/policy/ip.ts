/**
 * CIDR blocks for IpAddress/NotIpAddress. IPv4 blocks are kept as 32-bit integers so the hot path
 * (a caller's aws:SourceIp against a dozen /32s) is a few integer ops; IPv6 goes through ipaddr.js.
 * A bare address is a /32 (IPv4) or /128 (IPv6). An IPv4-mapped IPv6 caller (::ffff:1.2.3.4)
 * is compared as IPv4, and an IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) as the IPv4 block.
 */
import ipaddr from "ipaddr.js";

export interface CidrSet {
  /** network, mask, network, mask, … */
  v4: Uint32Array;
  v6: [ipaddr.IPv6, number][];
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Parses a dotted quad strictly (no leading zeros, no octal/hex forms); NaN when not one. */
export function parseIPv4(s: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return Number.NaN;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return Number.NaN; // leading zero
      octet = octet * 10 + (c - 0x30);
      digits++;
      if (octet > 255) return Number.NaN;
    } else {
      return Number.NaN;
    }
  }
  if (dots !== 3 || digits === 0) return Number.NaN;
  return value * 256 + octet;
}

/** Throws an Error with a plain message when `text` is not an address or CIDR block. */
export function compileCidrs(texts: readonly string[]): CidrSet {
  const v4: number[] = [];
  const v6: [ipaddr.IPv6, number][] = [];
  for (const text of texts) {
    const slash = text.indexOf("/");
    const addr = slash < 0 ? text : text.slice(0, slash);
    const bitsText = slash < 0 ? undefined : text.slice(slash + 1);
    const ip4 = parseIPv4(addr);
    const maxBits = Number.isNaN(ip4) ? 128 : 32;
    let bits = maxBits;
    if (bitsText !== undefined) {
      if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > maxBits) {
        throw new Error(`"${text}" has an invalid prefix length; use 0–${maxBits}`);
      }
      bits = Number(bitsText);
    }
    if (!Number.isNaN(ip4)) {
      const mask = maskOf(bits);
      v4.push((ip4 & mask) >>> 0, mask);
      continue;
    }
    if (!ipaddr.IPv6.isValid(addr)) {
      throw new Error(
        `"${text}" is not an IP address or CIDR block; use e.g. "203.0.113.0/24" or "2001:db8::/32"`,
      );
    }
    const ip6 = ipaddr.IPv6.parse(addr);
    if (ip6.isIPv4MappedAddress() && bits >= 96) {
      const mask = maskOf(bits - 96);
      v4.push((parseIPv4(ip6.toIPv4Address().toString()) & mask) >>> 0, mask);
    } else {
      v6.push([ip6, bits]);
    }
  }
  return { v4: Uint32Array.from(v4), v6 };
}

let lastAddr = "";
let lastIp4 = Number.NaN;
/** `parseIPv4`, the last answer kept: a caller's address is asked about once per condition. */
function callerIPv4(addr: string): number {
  if (addr !== lastAddr) {
    lastAddr = addr;
    lastIp4 = parseIPv4(addr);
  }
  return lastIp4;
}

/** true/false for an address, null when `addr` is not an IP address. */
export function cidrsContain(set: CidrSet, addr: string): boolean | null {
  let ip4 = callerIPv4(addr);
  let ip6: ipaddr.IPv6 | undefined;
  if (Number.isNaN(ip4)) {
    if (addr.indexOf(":") < 0 || !ipaddr.IPv6.isValid(addr)) return null;
    ip6 = ipaddr.IPv6.parse(addr);
    if (ip6.isIPv4MappedAddress()) ip4 = parseIPv4(ip6.toIPv4Address().toString());
  }
  if (!Number.isNaN(ip4)) {
    const v4 = set.v4;
    for (let i = 0; i < v4.length; i += 2) {
      if ((ip4 & v4[i + 1]!) >>> 0 === v4[i]) return true;
    }
    return false;
  }
  for (const [range, bits] of set.v6) if (ip6!.match(range, bits)) return true;
  return false;
}
