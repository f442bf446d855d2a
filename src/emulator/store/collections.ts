import { storeInput } from "./state-errors.js";
import type { StoreOp } from "./types.js";

/**
 * The in-memory image of the state: collection → key → JSON value, in insertion order (Map keeps
 * it; overwriting a key keeps its position, deleting and re-adding moves it to the end). Both
 * store implementations and the journal replay share it, so they cannot disagree on semantics.
 */
export class Collections {
  private readonly data = new Map<string, Map<string, unknown>>();

  apply(op: StoreOp): void {
    if (op.op === "put") {
      let coll = this.data.get(op.collection);
      if (coll === undefined) {
        coll = new Map();
        this.data.set(op.collection, coll);
      }
      // Frozen, so `peek` can hand out the stored value itself: nothing can change it in place.
      coll.set(op.key, deepFreeze(op.value));
    } else {
      const coll = this.data.get(op.collection);
      coll?.delete(op.key);
      if (coll?.size === 0) this.data.delete(op.collection);
    }
  }

  // Reads hand out copies: a caller editing a record it read must not change the stored state
  // behind the journal's back.
  get<T>(collection: string, key: string): T | undefined {
    const coll = this.data.get(collection);
    if (coll === undefined || !coll.has(key)) return undefined;
    return structuredClone(coll.get(key)) as T;
  }

  /**
   * The stored value itself, deeply frozen, without a copy: for hot read paths that only look
   * (STS reading a provider or role per request). Writing to it throws.
   */
  peek<T>(collection: string, key: string): Readonly<T> | undefined {
    return this.data.get(collection)?.get(key) as Readonly<T> | undefined;
  }

  select<T>(collection: string, where: (value: Readonly<T>) => boolean): T[] {
    const out: T[] = [];
    for (const v of this.data.get(collection)?.values() ?? []) {
      if (where(v as Readonly<T>)) out.push(structuredClone(v) as T);
    }
    return out;
  }

  list<T>(collection: string): T[] {
    const coll = this.data.get(collection);
    return coll === undefined ? [] : [...coll.values()].map((v) => structuredClone(v) as T);
  }

  toJSON(): Record<string, [string, unknown][]> {
    const out: Record<string, [string, unknown][]> = {};
    for (const [name, coll] of this.data) out[name] = [...coll.entries()];
    return out;
  }

  static fromJSON(json: unknown): Collections {
    const c = new Collections();
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new Error("collections is not an object");
    }
    for (const [name, entries] of Object.entries(json)) {
      if (!Array.isArray(entries)) throw new Error(`collection ${name} is not a list`);
      for (const entry of entries) {
        if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== "string") {
          throw new Error(`collection ${name} has a malformed entry`);
        }
        c.apply({ op: "put", collection: name, key: entry[0], value: entry[1] });
      }
    }
    return c;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Checks ops and returns a JSON copy of them: the copy is what gets journaled and applied, so the
 * caller mutating its objects after the call changes neither.
 */
export function normaliseOps(ops: readonly StoreOp[]): StoreOp[] {
  if (!Array.isArray(ops)) throw storeInput("Store batch must be an array of operations.", ops);
  return ops.map((op, i) => {
    const where = `operation ${i}`;
    if (op === null || typeof op !== "object") throw storeInput(`${where} is not an object`, op);
    if (typeof op.collection !== "string" || op.collection === "") {
      throw storeInput(`${where}: collection must be a non-empty string`, op.collection);
    }
    if (typeof op.key !== "string" || op.key === "") {
      throw storeInput(`${where}: key must be a non-empty string`, op.key);
    }
    if (op.op === "delete") return { op: "delete", collection: op.collection, key: op.key };
    if (op.op !== "put") throw storeInput(`${where}: op must be "put" or "delete"`, op.op);
    let text: string | undefined;
    try {
      text = JSON.stringify(op.value);
    } catch (err) {
      throw storeInput(`${where}: value is not JSON-serialisable (${String(err)})`, op.value);
    }
    if (text === undefined) throw storeInput(`${where}: value is not JSON-serialisable`, op.value);
    return { op: "put", collection: op.collection, key: op.key, value: JSON.parse(text) };
  });
}
