import { release } from "node:os";
import { InputError } from "../errors.js";
import type { BuiltInClientOptions } from "../sts/exchange.js";
import { awsFilePaths, readIfExists, sectionKeys, sectionNames } from "./aws-files.js";

/**
 * Which client makes a step's AssumeRoleWithWebIdentity. bb-oidc's own (src/sts/query-client.ts)
 * when every setting the AWS SDK would read for that call is one it resolves the same way; the
 * SDK itself when the shared config file holds a setting only the SDK applies. Rules:
 * docs/decisions.md "CLI start-up".
 */
export type StsRoute =
  | { builtIn: Omit<BuiltInClientOptions, "agent"> }
  | { sdk: string /* why, for --debug */ };

/**
 * Keys of the active profile in the shared config file that change the call and that the SDK
 * alone applies: FIPS/dual-stack, a configured endpoint (or a services section), the app ID of
 * the user agent, a defaults mode (its connect timeouts).
 */
const SDK_ONLY_KEYS = [
  "use_fips_endpoint",
  "use_dualstack_endpoint",
  "endpoint_url",
  "services",
  "sdk_ua_app_id",
  "defaults_mode",
];

/** An SDK boolean variable: exactly "true" or "false" when set, as the SDK insists. */
function envBoolean(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  if (v === "true" || v === "false") return v === "true";
  throw new InputError(`${name} is "${v}"; the AWS SDKs take "true" or "false" there.`, {
    hint: `Set ${name}=true or ${name}=false, or unset it.`,
  });
}

/** What the request says it is: bb-oidc, the platform and Node, as SDK user agents say it. */
export function userAgent(env: NodeJS.ProcessEnv): string {
  const parts = [
    `bb-oidc/${__BB_OIDC_VERSION__}`,
    `os/${process.platform}#${release()}`,
    "lang/js",
    `md/nodejs#${process.versions.node}`,
  ];
  if (env.AWS_EXECUTION_ENV) parts.push(`exec-env/${env.AWS_EXECUTION_ENV}`);
  const appId = env.AWS_SDK_UA_APP_ID;
  if (appId) parts.push(`app/${appId.replace(/[^\w!#$%&'*+.^`|~-]/g, "-")}`);
  return parts.join(" ");
}

export function stsRoute(env: NodeJS.ProcessEnv): StsRoute {
  const useFips = envBoolean(env, "AWS_USE_FIPS_ENDPOINT");
  const useDualstack = envBoolean(env, "AWS_USE_DUALSTACK_ENDPOINT");
  const mode = env.AWS_DEFAULTS_MODE;
  if (mode && mode !== "legacy") return { sdk: `AWS_DEFAULTS_MODE is "${mode}"` };
  const file = awsFilePaths(env).config;
  let text: string;
  try {
    text = readIfExists(file);
  } catch (err) {
    return { sdk: `${file} could not be read (${(err as NodeJS.ErrnoException).code})` };
  }
  if (text) {
    const profile = env.AWS_PROFILE || "default";
    const keys = sectionKeys(text, sectionNames("config", profile));
    const key = SDK_ONLY_KEYS.find((k) => keys.includes(k));
    if (key) return { sdk: `profile "${profile}" in ${file} sets ${key}` };
  }
  return {
    builtIn: {
      ...(useFips !== undefined ? { useFips } : {}),
      ...(useDualstack !== undefined ? { useDualstack } : {}),
      userAgent: userAgent(env),
    },
  };
}
