/**
 * Why STS refused a call, and what to do: the diagnosis `credentials`, `exec` and `configure`
 * print. It sits beside the decision because it asks the decision: given the role's real trust
 * policy (a file the user gave, or iam:GetRole) and the real provider (iam:GetOpenIDConnectProvider)
 * when they are readable, the engine re-decides the refused request and names the failing
 * condition. Pure: the CLI gathers the facts and prints the result.
 */
import { defaultAudience } from "../bitbucket/index.js";
import { hasCode } from "../errors.js";
import { matchAudience } from "../oidc/audience.js";
import { decideAssumeRole } from "./assume-role.js";
import { callerFromArn } from "./caller.js";
import { decideWebIdentity, formatSeconds } from "./decide.js";
import { staticWorld } from "./static-world.js";
import { stsRefusalKind } from "./sts-errors.js";
import type { AssumeRoleDecision, WebIdentityDecision } from "./types.js";
import { parseRoleArn } from "./validate-params.js";

export interface Diagnosis {
  /** One line: what went wrong, in the engine's vocabulary. */
  cause: string;
  /** What to do about it. */
  fix: string[];
  /** Non-secret facts to compare by eye (claims next to the role). */
  facts: [string, string][];
  /** The engine's re-decision of the refused call, when the role's trust policy was readable. */
  engine?: WebIdentityDecision | AssumeRoleDecision;
}

/** The refused call as the exchange reports it (`StsCallError`). */
export interface RefusedCall {
  /** AWS's error code, or NetworkError/TimeoutError when STS never answered. */
  stsCode: string;
  /** AWS's own message (not ours). */
  awsMessage?: string;
  httpStatus?: number;
  attempts: number;
}

/** A role's trust policy, and where it was read. */
export interface TrustSource {
  policy: unknown;
  maxSessionDuration?: number;
  /** Said in the output: a file name, or "the live trust policy of … (iam:GetRole)". */
  source: string;
}

export interface DiagnoseInput {
  error: RefusedCall;
  /** The web-identity role (the first hop). */
  roleArn: string;
  /** The token's claims, decoded once by the caller (never the token). */
  claims?: Record<string, unknown>;
  /** What was asked of STS, and when (epoch seconds). */
  request: { sessionName: string; durationSeconds?: number; now: number };
  /** The refused role's trust policy, when readable. */
  trust?: TrustSource;
  /** The account's provider for the token's issuer, when IAM was readable: its client IDs. */
  provider?: { clientIds: string[] };
  /** A refused AssumeRole hop of a chain: who called, and what it asked. */
  hop?: { roleArn: string; callerArn: string; sessionName: string; externalId?: string };
  endpoint?: string;
}

const SHOWN_CLAIMS = [
  "iss",
  "aud",
  "sub",
  "repositoryUuid",
  "deploymentEnvironmentUuid",
  "branchName",
];

/** Turns an STS refusal into a cause and a fix, re-deciding it when the trust policy is known. */
export async function diagnose(input: DiagnoseInput): Promise<Diagnosis> {
  const { claims = {}, roleArn } = input;
  const facts = claimFacts(claims, roleArn);
  const kind = stsRefusalKind(input.error.stsCode, input.error.awsMessage ?? "");
  const found = (d: Omit<Diagnosis, "facts">): Diagnosis => ({ ...d, facts });

  if (input.hop) {
    if (kind === "accessDenied") return found(await diagnoseHop(input, input.hop));
    if (kind === "chainedDuration") {
      return found({
        cause: `A role reached by chaining (${input.hop.roleArn}) gives sessions of one hour at most.`,
        fix: ["Ask for 3600 seconds or less for that hop (duration=… in --chain)."],
      });
    }
  }

  switch (kind) {
    case "network":
      return found({
        cause: `STS could not be reached${input.endpoint ? ` at ${input.endpoint}` : ""} after ${input.error.attempts} attempt(s).`,
        fix: [
          "Check the step's network egress and the --endpoint-url/--region (AWS_ENDPOINT_URL_STS, AWS_REGION).",
        ],
      });
    case "accessDenied":
      return found(await diagnoseTrust(input, claims));
    case "incorrectAudience": {
      const iss = typeof claims.iss === "string" ? claims.iss : undefined;
      const def = defaultAudienceOf(claims);
      const listed = input.provider
        ? ` (it lists ${JSON.stringify(input.provider.clientIds)})`
        : "";
      return found({
        cause: `The token's aud ${JSON.stringify(claims.aud ?? "(unknown)")} matches none of the client IDs of the IAM OIDC provider for ${iss ?? "the issuer"}${listed}.`,
        fix: [
          `Bitbucket's default audience for this workspace is ${def}; add it to the provider's ClientIdList (aws iam add-client-id-to-open-id-connect-provider --client-id ${def} …), or`,
          "set the step's audience to one the provider lists (oidc: audiences: [...] in bitbucket-pipelines.yml).",
        ],
      });
    }
    case "noProvider": {
      const iss = typeof claims.iss === "string" ? claims.iss : undefined;
      const account = parseRoleArn(roleArn)?.account;
      const url = iss?.replace(/^https:\/\//, "") ?? "<issuer without https://>";
      return found({
        cause: `Account ${account ?? "of the role"} has no IAM OIDC provider for the token's issuer ${iss ?? ""}.`,
        fix: [
          `Create arn:aws:iam::${account ?? "<account>"}:oidc-provider/${url} (bb-oidc template + deploy, or aws iam create-open-id-connect-provider --url ${iss ?? "<issuer>"} --client-id-list <audience>).`,
          "The provider URL must equal the token's iss exactly (no trailing slash), in the role's own account.",
        ],
      });
    }
    case "expired": {
      const exp = typeof claims.exp === "number" ? claims.exp : undefined;
      const ago =
        exp !== undefined ? ` ${formatSeconds(Math.max(0, input.request.now - exp))} ago` : "";
      return found({
        cause: `The step's token expired${ago} (STS allows 5 minutes past exp).`,
        fix: [
          "Exchange the token early in the step; a step's token is valid for about an hour.",
          "For long steps, use `bb-oidc configure` and let the SDK refresh, or split the step.",
        ],
      });
    }
    case "keyUnavailable": {
      const iss = typeof claims.iss === "string" ? claims.iss : "the issuer";
      return found({
        cause: `AWS could not fetch the signing keys of ${iss} (tried ${input.error.attempts} time(s)).`,
        fix: [
          "This is usually transient; retry the step.",
          "A workspace's OIDC discovery document may only exist after OIDC has been used once in it.",
        ],
      });
    }
    case "thumbprint":
      return found({
        cause:
          "The IAM OIDC provider's thumbprint list does not match the issuer's certificate chain.",
        fix: [
          "Run `bb-oidc discover --workspace <slug>` and update the provider's ThumbprintList (or empty it and let AWS verify the certificate).",
        ],
      });
    case "durationOverRoleMax":
      return found({
        cause: "The requested session duration is longer than the role allows.",
        fix: [
          "Ask for less with --duration, or raise the role's MaxSessionDuration (maxSessionDuration in bb-oidc.yaml, up to 43200).",
        ],
      });
    case "chainedDuration":
    case "validation":
      return found({
        cause: `STS rejected a parameter: ${input.error.awsMessage ?? input.error.stsCode}`,
        fix: ["Fix the value named above; bb-oidc checks session names before calling."],
      });
    case "invalidToken":
      return found({
        cause: `STS rejected the token itself: ${input.error.awsMessage ?? ""}`,
        fix: ["Pass $BITBUCKET_STEP_OIDC_TOKEN unmodified, from a step with oidc: true."],
      });
    default:
      return found({
        cause: `STS answered ${input.error.stsCode}${input.error.httpStatus ? ` (HTTP ${input.error.httpStatus})` : ""} after ${input.error.attempts} attempt(s).`,
        fix: [
          "See the message above; run with --debug for the request details (secrets are never shown).",
        ],
      });
  }
}

/** AccessDenied on the web-identity exchange: which condition of which statement refused. */
async function diagnoseTrust(
  input: DiagnoseInput,
  claims: Record<string, unknown>,
): Promise<Omit<Diagnosis, "facts">> {
  const { roleArn, trust } = input;
  if (!trust) {
    return {
      cause: `STS refused: the trust policy of ${roleArn} does not allow this step (or the role does not exist). No trust policy was readable here to say which condition failed.`,
      fix: [
        "Compare the token's claims below with the role's trust policy conditions on :aud and :sub.",
        "Run again with --trust-policy FILE, or with credentials that may call iam:GetRole, to have bb-oidc name the failing condition.",
        'A repository condition is StringLike "{repository-uuid}:*" — the UUID with its braces.',
      ],
    };
  }
  const engine = await reDecideWebIdentity(input, claims, trust);
  if (typeof engine === "string") {
    return { cause: `The trust policy from ${trust.source} ${engine}`, fix: policyFixes() };
  }
  const assumedAudience = input.provider
    ? []
    : [
        "(the provider's client IDs were not readable; STS accepted the token's audience, so it was taken as listed)",
      ];
  if (!engine.ok) {
    return {
      cause: `The trust policy of ${roleArn} refuses this step: ${engine.reason}.`,
      fix: [...trustFixes(claims), `(checked against ${trust.source})`, ...assumedAudience],
      engine,
    };
  }
  return {
    cause: `STS refused, but the trust policy ${trust.source} allows this token: the role or provider in AWS differs from the policy checked, or a session policy/permissions boundary or SCP is involved.`,
    fix: ["Compare the role's live trust policy (aws iam get-role) with the one checked here."],
    engine,
  };
}

/**
 * The refused web-identity call, decided again on the real role and provider, at the time STS
 * was called. The token's signature and audience were accepted by STS (it answered AccessDenied,
 * which comes after both), so its claims are given as checked claims; when the provider is not
 * readable its client IDs are taken to be the token's audience, which STS accepted. A string:
 * the policy does not compile.
 */
async function reDecideWebIdentity(
  input: DiagnoseInput,
  claims: Record<string, unknown>,
  trust: TrustSource,
): Promise<WebIdentityDecision | string> {
  const iss = typeof claims.iss === "string" ? claims.iss : "";
  const role = parseRoleArn(input.roleArn);
  // A well-formed aud (STS accepted it): its values; a single string is a list of one.
  const shape = matchAudience(claims.aud, undefined);
  const tokenAudiences =
    typeof shape === "string" || shape.miss !== "none"
      ? []
      : typeof claims.aud === "string"
        ? [claims.aud]
        : (claims.aud as string[]);
  let world: ReturnType<typeof staticWorld>;
  try {
    world = staticWorld({
      providers: role
        ? [
            {
              account: role.account,
              partition: role.partition,
              url: iss,
              clientIds: input.provider?.clientIds ?? tokenAudiences,
            },
          ]
        : [],
      roles: [
        {
          arn: input.roleArn,
          trustPolicy: trust.policy,
          maxSessionDuration: trust.maxSessionDuration ?? 43200,
        },
      ],
      keys: { getKey: () => Promise.reject(new Error("the signature was checked by STS")) },
    });
  } catch (err) {
    if (hasCode(err, "ERR_POLICY_MALFORMED")) return `is not a policy IAM accepts: ${err.message}`;
    throw err;
  }
  return decideWebIdentity(
    {
      roleArn: input.roleArn,
      roleSessionName: input.request.sessionName,
      webIdentityToken: "",
      ...(input.request.durationSeconds !== undefined
        ? { durationSeconds: input.request.durationSeconds }
        : {}),
      now: input.request.now,
      unsignedClaims: claims,
    },
    world,
  );
}

/** AccessDenied on a chained AssumeRole: the target's trust policy, decided for the caller. */
async function diagnoseHop(
  input: DiagnoseInput,
  hop: NonNullable<DiagnoseInput["hop"]>,
): Promise<Omit<Diagnosis, "facts">> {
  const generic = {
    cause: `The trust policy of ${hop.roleArn} does not let ${hop.callerArn} assume it.`,
    fix: [
      `Add the calling role (or its account) as a Principal to ${hop.roleArn}'s trust policy with Action sts:AssumeRole.`,
      "If the chained role requires an external ID, pass it as --chain ARN,external-id=X.",
    ],
  };
  const caller = callerFromArn(hop.callerArn, hop.sessionName);
  if (!input.trust || !caller) return generic;
  let world: ReturnType<typeof staticWorld>;
  try {
    world = staticWorld({
      providers: [],
      roles: [{ arn: hop.roleArn, trustPolicy: input.trust.policy, maxSessionDuration: 43200 }],
      keys: { getKey: () => Promise.reject(new Error("no keys in an AssumeRole hop")) },
    });
  } catch (err) {
    if (hasCode(err, "ERR_POLICY_MALFORMED")) {
      return {
        cause: `The trust policy from ${input.trust.source} is not a policy IAM accepts: ${err.message}`,
        fix: policyFixes(),
      };
    }
    throw err;
  }
  const engine = decideAssumeRole(
    {
      caller,
      roleArn: hop.roleArn,
      roleSessionName: hop.sessionName,
      ...(hop.externalId !== undefined ? { externalId: hop.externalId } : {}),
      now: input.request.now,
    },
    world,
  );
  if (engine.ok) return { ...generic, engine };
  return {
    cause: `The trust policy of ${hop.roleArn} refuses ${hop.callerArn}: ${engine.reason}.`,
    fix: [...generic.fix, `(checked against ${input.trust.source})`],
    engine,
  };
}

function policyFixes(): string[] {
  return ["Fix the policy document; IAM would refuse it with MalformedPolicyDocument."];
}

function trustFixes(claims: Record<string, unknown>): string[] {
  const repo =
    typeof claims.repositoryUuid === "string" ? claims.repositoryUuid : "{repository-uuid}";
  const env =
    typeof claims.deploymentEnvironmentUuid === "string"
      ? claims.deploymentEnvironmentUuid
      : undefined;
  const pattern = env ? `${repo}:${env}:*` : `${repo}:*`;
  return [
    `To allow this step, the :sub condition must match its sub, e.g. StringLike "${pattern}".`,
  ];
}

function claimFacts(claims: Record<string, unknown>, roleArn: string): [string, string][] {
  const out: [string, string][] = [["role", roleArn]];
  for (const k of SHOWN_CLAIMS) {
    const v = claims[k];
    if (v !== undefined) out.push([k, typeof v === "string" ? v : JSON.stringify(v)]);
  }
  return out;
}

function defaultAudienceOf(claims: Record<string, unknown>): string {
  const unknown = "ari:cloud:bitbucket::workspace/<workspace-uuid without braces>";
  if (typeof claims.workspaceUuid !== "string") return unknown;
  try {
    return defaultAudience(claims.workspaceUuid);
  } catch {
    return unknown;
  }
}
