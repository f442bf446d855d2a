/**
 * Trust policies compared as IAM reads them: key order, one value or a list of one, and the
 * order of values in a list change nothing, so the documents are put in one canonical form first.
 * The difference is shown as a line diff of the canonical JSON.
 */

function canonical(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x));
    // Statement order is kept (it is how people read a policy); value lists are sets.
    if (key === "Statement") return items;
    return items
      .map((x) => JSON.stringify(x))
      .sort()
      .map((x) => JSON.parse(x));
  }
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const value = (v as Record<string, unknown>)[k];
      out[k] = canonical(value, k);
    }
    return out;
  }
  return v;
}

/** Lists of one become the value itself, as IAM treats them alike. */
function unwrapSingletons(v: unknown): unknown {
  if (Array.isArray(v))
    return v.length === 1 && typeof v[0] !== "object" ? v[0] : v.map(unwrapSingletons);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = k === "Statement" && !Array.isArray(x) ? [unwrapSingletons(x)] : unwrapSingletons(x);
    return out;
  }
  return v;
}

export function canonicalPolicy(doc: unknown): string {
  return JSON.stringify(canonical(unwrapSingletons(doc)), null, 2);
}

const MAX_LINES = 4000;
/** Unchanged lines kept around each change; longer unchanged runs become one `  …` line. */
const CONTEXT = 3;

function trimContext(lines: string[]): string[] {
  const changed = lines.map((l) => !l.startsWith("  "));
  const keep = lines.map((_, i) => {
    for (let d = -CONTEXT; d <= CONTEXT; d++) if (changed[i + d]) return true;
    return false;
  });
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (keep[i]) out.push(lines[i]!);
    else if (out[out.length - 1] !== "  …") out.push("  …");
  }
  return out;
}

/**
 * `- ` lines only in `expected`, `+ ` lines only in `actual`, `  ` common (longest common
 * subsequence), with three lines of context around each change.
 */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split("\n").slice(0, MAX_LINES);
  const b = actual.split("\n").slice(0, MAX_LINES);
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push(`- ${a[i]}`);
      i++;
    } else {
      out.push(`+ ${b[j]}`);
      j++;
    }
  }
  return trimContext(out).join("\n");
}
