import { InputError } from "../errors.js";
import { IAM_NAME_CHARS_TEXT, toIamNameChars } from "../shared/iam-names.js";
import { isValidRegion, realRegion } from "../sts/sts-endpoint.js";
import { SESSION_NAME_PATTERN } from "../sts/validate-params.js";

/** Environment handling for pipeline-step commands; the only place those variables are read. */

export const OIDC_YAML_HINT = `The step needs OIDC enabled in bitbucket-pipelines.yml:

  - step:
      oidc: true
      script:
        - npx bb-oidc credentials --role-arn arn:aws:iam::<account>:role/<role> ...

Without "oidc: true", BITBUCKET_STEP_OIDC_TOKEN is empty.`;

export function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) return flag;
  const t = env.BITBUCKET_STEP_OIDC_TOKEN?.trim();
  if (!t) {
    throw new InputError(
      "No OIDC token: --token was not given and $BITBUCKET_STEP_OIDC_TOKEN is empty or unset.",
      {
        hint: OIDC_YAML_HINT,
      },
    );
  }
  return t;
}

/** `bb-<repo>-<build>-<step>` from the pipeline's variables, cut to STS's 2–64 `[\w+=,.@-]`. */
export function defaultSessionName(env: NodeJS.ProcessEnv, nowMs: number): string {
  const parts = ["bb"];
  if (env.BITBUCKET_REPO_SLUG) parts.push(env.BITBUCKET_REPO_SLUG);
  if (env.BITBUCKET_BUILD_NUMBER) parts.push(env.BITBUCKET_BUILD_NUMBER);
  const step = env.BITBUCKET_STEP_UUID?.replace(/[{}-]/g, "").slice(0, 8);
  if (step) parts.push(step);
  if (parts.length === 1) parts.push("oidc", String(Math.floor(nowMs / 1000)));
  return sanitizeSessionName(parts.join("-"));
}

export function sanitizeSessionName(raw: string): string {
  let s = toIamNameChars(raw).replace(/-{2,}/g, "-");
  if (s.length > 64) s = s.slice(0, 64);
  if (s.length < 2) s = `${s}bb`.slice(0, 2);
  return s;
}

export function checkSessionName(name: string): string {
  if (name.length < 2 || name.length > 64 || !SESSION_NAME_PATTERN.test(name)) {
    throw new InputError(
      `--session-name: "${name}" is not a valid role session name: STS wants 2–64 characters from ${IAM_NAME_CHARS_TEXT}.`,
      { hint: `For example "${sanitizeSessionName(name || "bb-session")}".` },
    );
  }
  return name;
}

/**
 * Region as the AWS SDKs resolve it; STS is regional, us-east-1 when nothing says otherwise. A
 * name that is not one DNS label is refused here, as the SDK refuses it before any call.
 */
export function resolveRegion(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const region = flag || env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";
  if (!isValidRegion(realRegion(region).region)) {
    const from = flag ? "--region" : env.AWS_REGION ? "AWS_REGION" : "AWS_DEFAULT_REGION";
    throw new InputError(`${from}: "${region}" is not an AWS region name.`, {
      hint: "Use a region such as eu-west-1 (letters, digits and dashes).",
    });
  }
  return region;
}

/**
 * Endpoint override as the SDKs take it: the flag, then AWS_ENDPOINT_URL_STS, then
 * AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns the variables off.
 */
export function resolveStsEndpoint(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const fromEnv = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true" ? undefined : envEndpoint(env);
  const v = flag || fromEnv;
  if (v && !/^https?:\/\/[^\s/]+/.test(v)) {
    throw new InputError(`The STS endpoint "${v}" is not an http(s) URL.`, {
      hint: "Use e.g. https://sts.eu-west-1.amazonaws.com, or unset AWS_ENDPOINT_URL_STS/AWS_ENDPOINT_URL.",
    });
  }
  return v || undefined;
}

function envEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
}
