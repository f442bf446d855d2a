/** A JSON object (not null, not an array): the one test for "is this a record of fields". */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
