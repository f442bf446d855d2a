export * from "./audience.js";
export * from "./decode.js";
export * from "./discovery.js";
export * from "./fetcher.js";
export * from "./keys.js";
export * from "./tls-chain.js";
export * from "./verify.js";
