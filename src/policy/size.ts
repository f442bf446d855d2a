/**
 * Policy size as IAM counts it against its quotas (2,048 characters for a trust policy by
 * default): the JSON text without whitespace outside string literals.
 *
 * Assumption [U]: IAM counts characters, so we count Unicode code points, not UTF-16 units or
 * bytes. Whitespace inside strings counts. Escapes count as written (`\"` is two characters),
 * because IAM sees the text as sent.
 */
export function policySize(doc: string | unknown): number {
  // A document given as a value is serialized compactly: JSON.stringify adds no whitespace.
  const text = typeof doc === "string" ? doc : JSON.stringify(doc);
  if (text === undefined) return 0;
  let count = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Low surrogates are the second half of one code point already counted.
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) continue;
    }
    if (inString) {
      count++;
      if (c === 0x5c /* \ */) {
        // The escaped character is part of the string whatever it is (e.g. `\"`).
        if (i + 1 < text.length) {
          count++;
          i++;
        }
      } else if (c === 0x22 /* " */) {
        inString = false;
      }
      continue;
    }
    // JSON whitespace: space, tab, line feed, carriage return.
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c === 0x22) inString = true;
    count++;
  }
  return count;
}
