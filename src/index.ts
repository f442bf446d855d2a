/** The public library API of bb-oidc: the same engine every command and the emulator use. */
export * from "./bitbucket/index.js";
export * from "./bitbucket/pipelines.js";
export * from "./discover/index.js";
export * from "./errors.js";
export * from "./oidc/index.js";
export * from "./policy/index.js";
export * from "./provision/config/index.js";
export * from "./provision/lint/index.js";
export * from "./provision/reader/index.js";
export * from "./provision/template/index.js";
export * from "./provision/who-can/index.js";
export { type Diagnosis, diagnose } from "./sts/diagnose.js";
export {
  type AwsCredentials,
  type ChainLink,
  type ExchangeRequest,
  type ExchangeResult,
  exchangeCredentials,
  StsCallError,
} from "./sts/exchange.js";
export * from "./sts/index.js";
