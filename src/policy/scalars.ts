/**
 * Parsing of typed condition values, shared by compile time (policy values; failure is a
 * PolicyError) and evaluation (request values; failure makes the comparison false).
 */

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal number, or NaN. IAM writes numbers as JSON numbers or numeric strings. */
export function parseNumber(s: string): number {
  if (!NUMBER.test(s)) return Number.NaN;
  const n = Number(s);
  return Number.isFinite(n) ? n : Number.NaN;
}

const EPOCH = /^[+-]?\d+(?:\.\d+)?$/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * Milliseconds since the epoch, or NaN. Accepts epoch seconds (`1700000000`) and ISO 8601
 * (`2024-01-31`, `2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.5+02:00`). A time without an
 * offset is UTC, as AWS reads it (never the local time zone of the machine running this).
 */
export function parseDate(s: string): number {
  if (EPOCH.test(s)) return Number(s) * 1000;
  const m = ISO.exec(s);
  if (!m) return Number.NaN;
  const [year, month, day, hour = 0, minute = 0, second = 0] = [
    m[1],
    m[2],
    m[3],
    m[4],
    m[5],
    m[6],
  ].map((x) => (x === undefined ? undefined : Number(x))) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || hour > 23 || minute > 59 || second > 60) {
    return Number.NaN;
  }
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (day! > daysInMonth) return Number.NaN;
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  let t = Date.UTC(year!, month! - 1, day!, hour, minute, second) + fraction;
  // Date.UTC maps years 0–99 to 1900–1999; set the year explicitly.
  if (year! < 100) {
    const d = new Date(t);
    d.setUTCFullYear(year!);
    t = d.getTime();
  }
  if (m[9]) {
    const offset = (Number(m[10]) * 60 + Number(m[11])) * 60_000;
    if (Number(m[10]) > 23 || Number(m[11]) > 59) return Number.NaN;
    t += m[9] === "+" ? -offset : offset;
  }
  return t;
}

/** "true"/"false" in any case, or undefined. */
export function parseBool(s: string): "true" | "false" | undefined {
  const l = s.toLowerCase();
  return l === "true" || l === "false" ? l : undefined;
}

const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** Canonical base64 of the bytes `s` encodes (so `QQ` and `QQ==` compare equal), or undefined. */
export function canonicalBase64(s: string): string | undefined {
  if (!BASE64.test(s)) return undefined;
  return Buffer.from(s, "base64").toString("base64");
}
