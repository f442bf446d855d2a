/**
 * What a pipelines step's scripts reveal: does it call AWS, does it expect an OIDC token, does it
 * carry static keys, does it set up the web-identity token file. Heuristics over shell text; each
 * signal keeps the script line that showed it, so a finding can quote and point at it.
 */
import type { PipelineStep, ScriptEntry } from "../../bitbucket/pipelines.js";

export interface Evidence {
  entry: ScriptEntry;
  /** The words that showed it, e.g. `aws s3 sync`. */
  what: string;
}

export interface StepSignals {
  /** The step calls AWS (CLI, SDK-based tools, AWS pipes with OIDC). */
  aws?: Evidence;
  /** The step expects a Bitbucket OIDC token (token variable, web-identity variables, bb-oidc). */
  oidc?: Evidence;
  /** The step passes static keys. */
  staticKeys?: Evidence;
  /** `bb-oidc configure/credentials/exec` writes the token file itself. */
  bbOidc: boolean;
  tokenFileExports: { value: string; entry: ScriptEntry }[];
  tokenWrites: { target: string; entry: ScriptEntry }[];
}

const START = String.raw`(?:^|[\s;&|(\x60]|\$\()`;
const AWS_CLI = new RegExp(`${START}(aws\\s+[a-z][a-z0-9-]*(?:\\s+[a-z][a-z0-9-]*)?)`, "m");
/** Tools that need credentials for these subcommands (building alone does not). */
const TOOLS = new RegExp(
  `${START}((?:terraform|tofu|terragrunt)\\s+(?:plan|apply|destroy|import|refresh|run-all)|cdk\\s+(?:deploy|diff|bootstrap|destroy)|sam\\s+(?:deploy|sync|delete|logs)|(?:serverless|sls)\\s+(?:deploy|remove|invoke)|pulumi\\s+(?:up|preview|destroy|refresh)|eksctl\\s+[a-z]+|copilot\\s+[a-z]+)`,
  "m",
);
const BB_OIDC = /\bbb-oidc\s+(credentials|exec|configure)\b/;
const OIDC_VARS = /\b(AWS_ROLE_ARN|AWS_WEB_IDENTITY_TOKEN_FILE|BITBUCKET_STEP_OIDC_TOKEN)\b/;
const STATIC_KEYS = /\b(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)\b/;
const EXPORT_TOKEN_FILE =
  /(?:^|[\s;&])(?:export\s+)?AWS_WEB_IDENTITY_TOKEN_FILE=("[^"]*"|'[^']*'|[^\s;&|]+)/m;
const REDIRECT = />>?\s*("[^"]*"|'[^']*'|[^\s;&|]+)/g;
const TEE = /\btee\s+(?:-a\s+)?("[^"]*"|'[^']*'|[^\s;&|]+)/g;

export function unquote(s: string): string {
  return /^(["']).*\1$/.test(s) ? s.slice(1, -1) : s;
}

export function stepSignals(step: PipelineStep): StepSignals {
  const signals: StepSignals = { bbOidc: false, tokenFileExports: [], tokenWrites: [] };
  const entries = [...step.script, ...step.afterScript];
  for (const entry of entries) {
    if (entry.pipe !== undefined) {
      const vars = entry.variables ?? {};
      const awsPipe = /aws/i.test(entry.pipe);
      if ("AWS_OIDC_ROLE_ARN" in vars) {
        signals.oidc ??= { entry, what: `${entry.pipe} with AWS_OIDC_ROLE_ARN` };
        signals.aws ??= { entry, what: entry.pipe };
      } else if (awsPipe) {
        signals.aws ??= { entry, what: entry.pipe };
      }
      if ("AWS_ACCESS_KEY_ID" in vars || "AWS_SECRET_ACCESS_KEY" in vars) {
        signals.staticKeys ??= { entry, what: `${entry.pipe} with AWS_ACCESS_KEY_ID` };
      }
      continue;
    }
    const text = entry.text;
    const cli = AWS_CLI.exec(text) ?? TOOLS.exec(text);
    if (cli) signals.aws ??= { entry, what: cli[1]!.replace(/\s+/g, " ") };
    const bb = BB_OIDC.exec(text);
    if (bb) {
      signals.bbOidc = true;
      signals.oidc ??= { entry, what: `bb-oidc ${bb[1]}` };
      signals.aws ??= { entry, what: `bb-oidc ${bb[1]}` };
    }
    const v = OIDC_VARS.exec(text);
    if (v) signals.oidc ??= { entry, what: v[1]! };
    const k = STATIC_KEYS.exec(text);
    if (k) signals.staticKeys ??= { entry, what: k[1]! };
    const exp = EXPORT_TOKEN_FILE.exec(text);
    if (exp) signals.tokenFileExports.push({ value: unquote(exp[1]!), entry });
    if (text.includes("BITBUCKET_STEP_OIDC_TOKEN")) {
      for (const re of [REDIRECT, TEE]) {
        re.lastIndex = 0;
        for (let m = re.exec(text); m; m = re.exec(text))
          signals.tokenWrites.push({ target: unquote(m[1]!), entry });
      }
    }
  }
  if (step.imageOidcRole !== undefined) {
    const entry = { text: `image: aws: oidc-role: ${step.imageOidcRole}`, position: step.position };
    signals.oidc ??= { entry, what: "image aws oidc-role" };
  }
  return signals;
}

/** Variable names the OIDC exchange depends on; a near miss is silently ignored by the SDK. */
export const OIDC_VARIABLES = [
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "BITBUCKET_STEP_OIDC_TOKEN",
];
