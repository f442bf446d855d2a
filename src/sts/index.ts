export * from "./assume-role.js";
export * from "./context.js";
export * from "./decide.js";
export * from "./limits.js";
export * from "./session-request.js";
export * from "./static-world.js";
export * from "./sts-errors.js";
export type * from "./types.js";
export * from "./validate-params.js";
