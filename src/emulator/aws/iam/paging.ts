/**
 * IAM list paging: `Marker` is an opaque position handed back by the previous page, `MaxItems`
 * defaults to 100. The emulator's markers are positions in the (stable, creation-ordered) list.
 */
export function page<T>(
  items: readonly T[],
  paging: { marker?: string; maxItems?: number },
): { page: T[]; marker?: string } {
  const start = paging.marker && /^\d+$/.test(paging.marker) ? Number(paging.marker) : 0;
  const end = start + (paging.maxItems ?? 100);
  return end < items.length
    ? { page: items.slice(start, end), marker: String(end) }
    : { page: items.slice(start) };
}
