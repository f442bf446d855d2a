/**
 * @peculiar/x509 depends on tsyringe, which refuses to load without the Reflect metadata API.
 * No polyfill package is installed, so this is a minimal one (define/get/getOwn/has metadata,
 * with prototype-chain lookup), enough for tsyringe. Import it before @peculiar/x509.
 */
type Target = object;
type Store = Map<string | symbol | undefined, Map<unknown, unknown>>;

const stores = new WeakMap<Target, Store>();

function ownMap(target: Target, key: string | symbol | undefined, create: boolean) {
  let store = stores.get(target);
  if (!store) {
    if (!create) return undefined;
    store = new Map();
    stores.set(target, store);
  }
  let map = store.get(key);
  if (!map && create) {
    map = new Map();
    store.set(key, map);
  }
  return map;
}

const R = Reflect as unknown as Record<string, unknown>;

if (typeof R.getMetadata !== "function") {
  const getOwnMetadata = (k: unknown, target: Target, key?: string | symbol) =>
    ownMap(target, key, false)?.get(k);
  const hasOwnMetadata = (k: unknown, target: Target, key?: string | symbol) =>
    ownMap(target, key, false)?.has(k) ?? false;
  const getMetadata = (k: unknown, target: Target, key?: string | symbol): unknown => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t)) {
      if (hasOwnMetadata(k, t, key)) return getOwnMetadata(k, t, key);
    }
    return undefined;
  };
  const defineMetadata = (k: unknown, v: unknown, target: Target, key?: string | symbol) => {
    ownMap(target, key, true)!.set(k, v);
  };
  Object.assign(R, {
    defineMetadata,
    getOwnMetadata,
    hasOwnMetadata,
    getMetadata,
    hasMetadata: (k: unknown, target: Target, key?: string | symbol) =>
      getMetadata(k, target, key) !== undefined,
    metadata:
      (k: unknown, v: unknown) =>
      (target: Target, key?: string | symbol): void =>
        defineMetadata(k, v, target, key),
  });
}

export {};
