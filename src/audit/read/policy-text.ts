/** IAM returns policy documents URL-encoded (RFC 3986) in its Query-protocol responses. */
export function policyDocument(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    // Not encoded after all (some endpoints answer plain JSON): parse as it is.
  }
  try {
    return JSON.parse(decoded);
  } catch {
    return undefined;
  }
}

export function isoDate(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
