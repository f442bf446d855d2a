export { type FileStore, type OpenStoreOptions, openStore } from "./file-store.js";
export { openMemoryStore } from "./memory-store.js";
export type { Store, StoreOp } from "./types.js";
