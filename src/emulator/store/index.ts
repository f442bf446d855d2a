export { type FileStore, type OpenStoreOptions, openStore } from "./file-store.js";
export { openMemoryStore } from "./memory-store.js";
export { resetStateDir } from "./reset.js";
export type { Store, StoreOp } from "./types.js";
