export * from "./audience.js";
export * from "./claims.js";
export * from "./ip-ranges.js";
export * from "./issuer.js";
export * from "./uuid.js";
