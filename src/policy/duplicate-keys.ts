/**
 * The first key an object of a JSON text names twice. `JSON.parse` keeps the last value silently;
 * IAM refuses such a document (docs/aws-behaviour.md, "Duplicate keys"), so every door that reads
 * a policy as text asks this first. Runs only on text `JSON.parse` accepted: it finds token
 * boundaries, it does not validate.
 */
import { childPath } from "./json-path.js";

interface Frame {
  /** Keys seen so far (objects), or undefined for an array. */
  keys: Set<string> | undefined;
  path: string;
  /** Arrays: the index of the next element. Objects: unused. */
  index: number;
  /** Objects: the key whose value comes next. */
  key: string | undefined;
}

export interface DuplicateKey {
  key: string;
  /** JSON path of the object holding it, e.g. `$.Statement[0].Condition.StringLike`. */
  path: string;
}

export function firstDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (top === undefined) return "$";
    return top.keys ? childPath(top.path, top.key ?? "") : childPath(top.path, top.index);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (escaped) escaped = false;
        else if (d === 0x5c) escaped = true;
        else if (d === 0x22) break;
      }
      if (expectKey) {
        const top = stack[stack.length - 1]!;
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys!.has(key)) return { key, path: top.path };
        top.keys!.add(key);
        top.key = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), path: valuePath(), index: 0, key: undefined });
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push({ keys: undefined, path: valuePath(), index: 0, key: undefined });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) expectKey = true;
      else if (top) top.index++;
    }
  }
  return undefined;
}
