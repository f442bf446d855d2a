/**
 * @peculiar/x509 loads tsyringe, which throws at import time unless the Reflect metadata API
 * exists. No polyfill package is a dependency, so this installs the few functions tsyringe calls
 * (defineMetadata, getMetadata, getOwnMetadata, plus has*) — only when nothing else did. Must be
 * imported before @peculiar/x509 (ES modules evaluate imports in order).
 */
type Bag = Map<string | symbol | undefined, Map<unknown, unknown>>;

const bags = new WeakMap<object, Bag>();

function entries(target: object, prop: string | symbol | undefined, create: boolean) {
  let bag = bags.get(target);
  if (bag === undefined) {
    if (!create) return undefined;
    bag = new Map();
    bags.set(target, bag);
  }
  let map = bag.get(prop);
  if (map === undefined && create) {
    map = new Map();
    bag.set(prop, map);
  }
  return map;
}

const reflect = Reflect as unknown as Record<string, unknown>;

if (typeof reflect.getMetadata !== "function") {
  const hasOwn = (k: unknown, t: object, p?: string | symbol) =>
    entries(t, p, false)?.has(k) ?? false;
  const getOwn = (k: unknown, t: object, p?: string | symbol) => entries(t, p, false)?.get(k);
  // Metadata is inherited along the prototype chain, like the reference polyfill.
  const get = (k: unknown, t: object, p?: string | symbol): unknown => {
    for (let o: object | null = t; o !== null; o = Object.getPrototypeOf(o)) {
      if (hasOwn(k, o, p)) return getOwn(k, o, p);
    }
    return undefined;
  };
  const define = (k: unknown, v: unknown, t: object, p?: string | symbol) => {
    entries(t, p, true)!.set(k, v);
  };
  Object.assign(reflect, {
    defineMetadata: define,
    getMetadata: get,
    getOwnMetadata: getOwn,
    hasOwnMetadata: hasOwn,
    hasMetadata: (k: unknown, t: object, p?: string | symbol) => get(k, t, p) !== undefined,
    metadata: (k: unknown, v: unknown) => (t: object, p?: string | symbol) => define(k, v, t, p),
  });
}

export {};
