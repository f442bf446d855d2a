import type { RandomSource } from "../random.js";

/** A v4 UUID from the emulator's injected random source (so tests can make IDs deterministic). */
export function uuidFrom(random: RandomSource): string {
  const b = Buffer.from(random(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function stackArn(region: string, account: string, name: string, uuid: string): string {
  return `arn:aws:cloudformation:${region}:${account}:stack/${name}/${uuid}`;
}

export function changeSetArn(region: string, account: string, name: string, uuid: string): string {
  return `arn:aws:cloudformation:${region}:${account}:changeSet/${name}/${uuid}`;
}

/** Stack and change set names: CloudFormation's pattern, at most 128 characters. */
export const NAME_PATTERN = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

/** Region names as AWS spells them (us-east-1, eu-central-2, us-gov-west-1, …). */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/** Deep string substitution of predicted IDs with the ones IAM assigned. */
export function substitute<T>(value: T, map: Readonly<Record<string, string>>): T {
  const entries = Object.entries(map);
  if (entries.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      let s = v;
      for (const [from, to] of entries) if (s.includes(from)) s = s.split(from).join(to);
      return s;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms));
}
