/**
 * The AWS limits a deployment meets, each with the fix bb-oidc proposes (docs/aws-behaviour.md,
 * "Limits"). Templates are measured as sent; bb-oidc plans below them so AWS never refuses.
 */

/** `TemplateBody` in a request (bytes). */
export const TEMPLATE_BODY_BYTES = 51_200;
/**
 * A template read from S3. AWS says "1 MB" (1,048,576 bytes by its own refusal text; cfn-lint
 * checks 1,000,000): bb-oidc plans below the smaller reading so either holds.
 */
export const TEMPLATE_URL_BYTES = 1_000_000;
export const RESOURCES_PER_STACK = 500;
export const OUTPUTS_PER_STACK = 200;
/** IAM's default role quota per account (raisable in Service Quotas). */
export const ROLES_PER_ACCOUNT = 1_000;

export interface TemplateMeasure {
  bytes: number;
  resources: number;
  outputs: number;
}

export interface LimitCheck {
  limit: string;
  value: number;
  max: number;
  ok: boolean;
  /** What to do when it is not ok. */
  fix: string;
}

/** A template against every per-stack limit, for one transport (inline or through S3). */
export function checkTemplate(m: TemplateMeasure, transport: "inline" | "s3"): LimitCheck[] {
  const bytesMax = transport === "inline" ? TEMPLATE_BODY_BYTES : TEMPLATE_URL_BYTES;
  return [
    {
      limit: transport === "inline" ? "template size (TemplateBody)" : "template size (S3)",
      value: m.bytes,
      max: bytesMax,
      ok: m.bytes <= bytesMax,
      fix:
        transport === "inline"
          ? "deploy through S3 (bb-oidc deploy --s3-bucket BUCKET), or let deploy split the roles into several stacks"
          : "let deploy split the roles into several stacks (bb-oidc deploy --config does)",
    },
    {
      limit: "resources per stack",
      value: m.resources,
      max: RESOURCES_PER_STACK,
      ok: m.resources <= RESOURCES_PER_STACK,
      fix: "let deploy split the roles into several stacks (bb-oidc deploy --config does)",
    },
    {
      limit: "outputs per stack",
      value: m.outputs,
      max: OUTPUTS_PER_STACK,
      ok: m.outputs <= OUTPUTS_PER_STACK,
      fix: "let deploy split the roles into several stacks (bb-oidc deploy --config does)",
    },
  ];
}
