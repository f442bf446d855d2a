import { Collections, normaliseOps } from "./collections.js";
import { storeClosed } from "./state-errors.js";
import type { Store, StoreOp } from "./types.js";

/** Same semantics as the durable store (copies, ordering, validation), nothing on disk. */
export function openMemoryStore(): Store {
  const collections = new Collections();
  let closed = false;
  const store: Store = {
    dir: null,
    get: (collection, key) => collections.get(collection, key),
    peek: (collection, key) => collections.peek(collection, key),
    list: (collection) => collections.list(collection),
    select: (collection, where) => collections.select(collection, where),
    put: (collection, key, value) => store.batch([{ op: "put", collection, key, value }]),
    delete: (collection, key) => store.batch([{ op: "delete", collection, key }]),
    async batch(ops: StoreOp[]) {
      if (closed) throw storeClosed();
      for (const op of normaliseOps(ops)) collections.apply(op);
    },
    async close() {
      closed = true;
    },
  };
  return store;
}
