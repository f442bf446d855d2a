export * from "./context.js";
export * from "./decide.js";
export * from "./static-world.js";
export * from "./sts-errors.js";
export type * from "./types.js";
export * from "./validate-params.js";
