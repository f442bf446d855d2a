import type { Store } from "../store/types.js";

const chains = new WeakMap<Store, Promise<unknown>>();

/**
 * Runs read-modify-write steps on one store one at a time. Without it two concurrent
 * `ensureWorkspace("acme")` calls would both see no key and publish two "active" keys.
 */
export function serialized<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(store) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  chains.set(
    store,
    next.catch(() => {}),
  );
  return next;
}
