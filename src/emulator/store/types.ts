/**
 * The emulator's durable state: named collections of JSON records. A mutation's promise resolves
 * only once it is on disk, so a response sent after `await put(...)` survives `kill -9`.
 */
export type StoreOp =
  | { op: "put"; collection: string; key: string; value: unknown }
  | { op: "delete"; collection: string; key: string };

export interface Store {
  readonly dir: string | null;
  get<T>(collection: string, key: string): T | undefined;
  /**
   * The stored record itself (frozen, shared: never modify it), without `get`'s copy. Optional:
   * callers fall back to `get` for stores that do not offer it.
   */
  peek?<T>(collection: string, key: string): Readonly<T> | undefined;
  /** Records of a collection in insertion order. */
  list<T>(collection: string): T[];
  /**
   * The records `where` accepts, in insertion order: judged on the stored (frozen) value and
   * copied only when chosen, so picking one account's records out of many copies only those.
   * Optional: callers fall back to `list` and filter.
   */
  select?<T>(collection: string, where: (value: Readonly<T>) => boolean): T[];
  put(collection: string, key: string, value: unknown): Promise<void>;
  delete(collection: string, key: string): Promise<void>;
  /** All or nothing, also across a crash. */
  batch(ops: StoreOp[]): Promise<void>;
  /** Flushes and releases the directory. */
  close(): Promise<void>;
}
