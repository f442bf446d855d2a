/** Fn::Cidr: carve `count` consecutive subnets with `cidrBits` host bits out of an address block. */
import ipaddr from "ipaddr.js";

export function cidrSubnets(
  block: string,
  count: number,
  cidrBits: number,
): string[] | { error: string } {
  if (!ipaddr.isValidCIDR(block)) return { error: `${JSON.stringify(block)} is not a CIDR block` };
  const [addr, prefix] = ipaddr.parseCIDR(block);
  const width = addr.kind() === "ipv4" ? 32 : 128;
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    return { error: `count must be 1 to 256, got ${count}` };
  }
  if (!Number.isInteger(cidrBits) || cidrBits < 1 || cidrBits > width) {
    return { error: `cidrBits must be 1 to ${width}, got ${cidrBits}` };
  }
  const subnetPrefix = width - cidrBits;
  if (subnetPrefix < prefix) {
    return { error: `${cidrBits} host bits do not fit in ${block}` };
  }
  if (BigInt(count) > 1n << BigInt(subnetPrefix - prefix)) {
    return { error: `${block} holds fewer than ${count} subnets of /${subnetPrefix}` };
  }
  let base = 0n;
  for (const byte of addr.toByteArray()) base = (base << 8n) | BigInt(byte);
  const hostMask = (1n << BigInt(width - prefix)) - 1n;
  base &= ~hostMask;
  const step = 1n << BigInt(cidrBits);
  const out: string[] = [];
  for (let i = 0n; i < BigInt(count); i++) {
    out.push(`${format(base + i * step, width)}/${subnetPrefix}`);
  }
  return out;
}

function format(value: bigint, width: number): string {
  const bytes: number[] = [];
  for (let i = width / 8 - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}
