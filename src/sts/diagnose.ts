import { defaultAudience } from "../bitbucket/index.js";
import { formatSeconds } from "./decide.js";
import type { StsCallError } from "./exchange.js";
import type { WebIdentityDecision } from "./types.js";
import { parseRoleArn } from "./validate-params.js";

export interface Diagnosis {
  /** One line: what went wrong, in the engine's vocabulary. */
  cause: string;
  /** What to do about it. */
  fix: string[];
  /** Non-secret facts to compare by eye (claims next to the role). */
  facts: [string, string][];
}

export interface DiagnoseInput {
  error: StsCallError;
  roleArn: string;
  /** Decoded, non-secret claims of the token (never the token). */
  claims?: Record<string, unknown>;
  /** The engine's verdict on this request when a trust policy was reachable. */
  engine?: WebIdentityDecision;
  /** Where the trust policy came from, for the wording. */
  engineSource?: string;
  endpoint?: string;
  nowSeconds: number;
}

const SHOWN_CLAIMS = [
  "iss",
  "aud",
  "sub",
  "repositoryUuid",
  "deploymentEnvironmentUuid",
  "branchName",
];

/** Turns an STS failure into a cause and a fix. Pure: the CLI decides where it goes. */
export function diagnose(input: DiagnoseInput): Diagnosis {
  const { error, claims = {}, roleArn } = input;
  const code = error.stsCode;
  const message = error.message;
  const iss = typeof claims.iss === "string" ? claims.iss : undefined;
  const account = parseRoleArn(roleArn)?.account;
  const facts = claimFacts(claims, roleArn);

  if (error.step.startsWith("AssumeRole into")) {
    const target = error.step.slice("AssumeRole into ".length);
    if (code === "AccessDenied") {
      return {
        cause: `The trust policy of ${target} does not let the web-identity session assume it.`,
        fix: [
          `Add the first role (or its account) as a Principal to ${target}'s trust policy with Action sts:AssumeRole.`,
          "If the chained role requires an external ID, pass it as --chain ARN,external-id=X.",
        ],
        facts,
      };
    }
  }

  if (code === "NetworkError" || code === "TimeoutError") {
    return {
      cause: `STS could not be reached${input.endpoint ? ` at ${input.endpoint}` : ""} after ${error.attempts} attempt(s).`,
      fix: [
        "Check the step's network egress and the --endpoint-url/--region (AWS_ENDPOINT_URL_STS, AWS_REGION).",
      ],
      facts,
    };
  }

  if (code === "AccessDenied") {
    if (input.engine && !input.engine.ok) {
      return {
        cause: `The trust policy of ${roleArn} refuses this step: ${input.engine.reason}.`,
        fix: trustFixes(claims, input.engineSource),
        facts,
      };
    }
    if (input.engine?.ok) {
      return {
        cause: `STS refused, but the trust policy ${input.engineSource ?? ""} allows this token: the role or provider in AWS differs from the policy checked, or a session policy/permissions boundary or SCP is involved.`,
        fix: ["Compare the role's live trust policy (aws iam get-role) with the one checked here."],
        facts,
      };
    }
    return {
      cause: `STS refused: the trust policy of ${roleArn} does not allow this step (or the role does not exist). No trust policy was readable here to say which condition failed.`,
      fix: [
        "Compare the token's claims below with the role's trust policy conditions on :aud and :sub.",
        "Run again with --trust-policy FILE, or with credentials that may call iam:GetRole, to have bb-oidc name the failing condition.",
        'A repository condition is StringLike "{repository-uuid}:*" — the UUID with its braces.',
      ],
      facts,
    };
  }

  if (/Incorrect token audience/i.test(message)) {
    const ws = typeof claims.workspaceUuid === "string" ? claims.workspaceUuid : undefined;
    const def = ws
      ? safeDefaultAudience(ws)
      : "ari:cloud:bitbucket::workspace/<workspace-uuid without braces>";
    return {
      cause: `The token's aud ${JSON.stringify(claims.aud ?? "(unknown)")} matches none of the client IDs of the IAM OIDC provider for ${iss ?? "the issuer"}.`,
      fix: [
        `Bitbucket's default audience for this workspace is ${def}; add it to the provider's ClientIdList (aws iam add-client-id-to-open-id-connect-provider --client-id ${def} …), or`,
        "set the step's audience to one the provider lists (oidc: audiences: [...] in bitbucket-pipelines.yml).",
      ],
      facts,
    };
  }

  if (/No OpenIDConnect provider found/i.test(message)) {
    const url = iss?.replace(/^https:\/\//, "") ?? "<issuer without https://>";
    return {
      cause: `Account ${account ?? "of the role"} has no IAM OIDC provider for the token's issuer ${iss ?? ""}.`,
      fix: [
        `Create arn:aws:iam::${account ?? "<account>"}:oidc-provider/${url} (bb-oidc template + deploy, or aws iam create-open-id-connect-provider --url ${iss ?? "<issuer>"} --client-id-list <audience>).`,
        "The provider URL must equal the token's iss exactly (no trailing slash), in the role's own account.",
      ],
      facts,
    };
  }

  if (code === "ExpiredTokenException" || code === "ExpiredToken") {
    const exp = typeof claims.exp === "number" ? claims.exp : undefined;
    const ago =
      exp !== undefined ? ` ${formatSeconds(Math.max(0, input.nowSeconds - exp))} ago` : "";
    return {
      cause: `The step's token expired${ago} (STS allows 5 minutes past exp).`,
      fix: [
        "Exchange the token early in the step; a step's token is valid for about an hour and the step cannot get a new one.",
        "For a step longer than that, exchange at its start with `bb-oidc exec` or `credentials --duration` (the credentials outlive the token), or split the step.",
      ],
      facts,
    };
  }

  if (/Couldn't retrieve verification key/i.test(message) || code === "IDPCommunicationError") {
    return {
      cause: `AWS could not fetch the signing keys of ${iss ?? "the issuer"} (tried ${error.attempts} time(s)).`,
      fix: [
        "This is usually transient; retry the step.",
        "A workspace's OIDC discovery document may only exist after OIDC has been used once in it.",
      ],
      facts,
    };
  }

  if (/thumbprint/i.test(message)) {
    return {
      cause:
        "The IAM OIDC provider's thumbprint list does not match the issuer's certificate chain.",
      fix: [
        "Run `bb-oidc discover --workspace <slug>` and update the provider's ThumbprintList (or empty it and let AWS verify the certificate).",
      ],
      facts,
    };
  }

  if (/DurationSeconds exceeds the MaxSessionDuration/i.test(message)) {
    return {
      cause: "The requested session duration is longer than the role allows.",
      fix: [
        "Ask for less with --duration, or raise the role's MaxSessionDuration (maxSessionDuration in bb-oidc.yaml, up to 43200).",
      ],
      facts,
    };
  }

  if (code === "ValidationError") {
    return {
      cause: `STS rejected a parameter: ${message}`,
      fix: ["Fix the value named above; bb-oidc checks session names before calling."],
      facts,
    };
  }

  if (code === "InvalidIdentityToken") {
    return {
      cause: `STS rejected the token itself: ${message}`,
      fix: [
        "Pass $BITBUCKET_STEP_OIDC_TOKEN unmodified (no quotes or newlines added), from a step with oidc: true.",
      ],
      facts,
    };
  }

  return {
    cause: `STS answered ${code}${error.httpStatus ? ` (HTTP ${error.httpStatus})` : ""} after ${error.attempts} attempt(s).`,
    fix: [
      "See the message above; run with --debug for the request details (secrets are never shown).",
    ],
    facts,
  };
}

function trustFixes(claims: Record<string, unknown>, source?: string): string[] {
  const repo =
    typeof claims.repositoryUuid === "string" ? claims.repositoryUuid : "{repository-uuid}";
  const env =
    typeof claims.deploymentEnvironmentUuid === "string"
      ? claims.deploymentEnvironmentUuid
      : undefined;
  const pattern = env ? `${repo}:${env}:*` : `${repo}:*`;
  return [
    `To allow this step, the :sub condition must match its sub, e.g. StringLike "${pattern}".`,
    ...(source ? [`(checked against ${source})`] : []),
  ];
}

function claimFacts(claims: Record<string, unknown>, roleArn: string): [string, string][] {
  const out: [string, string][] = [["role", roleArn]];
  for (const k of SHOWN_CLAIMS) {
    if (claims[k] !== undefined)
      out.push([
        k,
        typeof claims[k] === "string" ? (claims[k] as string) : JSON.stringify(claims[k]),
      ]);
  }
  return out;
}

function safeDefaultAudience(ws: string): string {
  try {
    return defaultAudience(ws);
  } catch {
    return "ari:cloud:bitbucket::workspace/<workspace-uuid without braces>";
  }
}
