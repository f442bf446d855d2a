import { InputError, PolicyError } from "../errors.js";
import { iamResources, readTemplate, resolveTemplate } from "../provision/reader/index.js";
import type { StaticProvider, StaticRole } from "../sts/static-world.js";
import { parseRoleArn } from "../sts/validate-params.js";
import { iamClient, readProvider, readRole } from "./iam-read.js";
import { readTextFile } from "./io.js";

/** Where `explain` takes the role and provider from: a file, a template, or live IAM. */
export interface ExplainWorldInput {
  role: StaticRole;
  provider?: StaticProvider;
  /** Said in the output, so the user knows what was checked. */
  source: string;
}

export function fromTrustPolicyFile(
  file: string,
  roleArn: string,
  maxSessionDuration: number,
): ExplainWorldInput {
  return {
    role: {
      arn: roleArn,
      // The text itself: the policy compiler refuses what IAM refuses in it (a repeated key).
      trustPolicy: readTextFile(file, "--trust-policy"),
      maxSessionDuration,
    },
    source: file,
  };
}

/**
 * A role of a CloudFormation template, resolved with the given parameters; its provider too when
 * the template creates one for the issuer.
 */
export function fromTemplate(opts: {
  file: string;
  logicalId: string;
  parameters: Record<string, string>;
  account: string;
  /** The token's issuer, to find the template's provider for it; absent for AssumeRole. */
  issuer?: string;
  region?: string;
}): ExplainWorldInput {
  const parsed = readTemplate(readTextFile(opts.file, "--template"), opts.file);
  const resolved = resolveTemplate(parsed, {
    parameters: opts.parameters,
    accountId: opts.account,
    region: opts.region ?? "us-east-1",
    stackName: "bb-oidc-explain",
  });
  const iam = iamResources(resolved);
  const role = iam.roles.find((r) => r.logicalId === opts.logicalId);
  if (!role) {
    const names = iam.roles.map((r) => r.logicalId);
    throw new InputError(`--role: ${opts.file} has no AWS::IAM::Role "${opts.logicalId}".`, {
      hint: names.length
        ? `Roles in the template: ${names.join(", ")}.`
        : "The template defines no IAM role.",
    });
  }
  const arn = role.arn ?? `arn:aws:iam::${opts.account}:role/${role.name ?? opts.logicalId}`;
  const url = opts.issuer?.replace(/^https:\/\//, "");
  const p =
    url === undefined
      ? undefined
      : iam.providers.find((x) => x.url?.replace(/^https:\/\//, "") === url);
  return {
    role: {
      arn,
      trustPolicy: role.trustPolicy,
      maxSessionDuration: role.maxSessionDuration ?? 3600,
    },
    ...(p && url !== undefined
      ? {
          provider: {
            account: opts.account,
            url,
            clientIds: p.clientIds,
            thumbprints: p.thumbprints,
          },
        }
      : {}),
    source: `${opts.file} (${opts.logicalId})`,
  };
}

/** The live role, read through IAM with the SDK's usual credentials and endpoint. */
export async function fromIamRole(
  roleArn: string,
  region: string | undefined,
): Promise<ExplainWorldInput> {
  const parts = parseRoleArn(roleArn);
  if (!parts) throw new InputError(`--role-arn: "${roleArn}" is not a role ARN.`);
  try {
    const live = await readRole(iamClient(region ?? "us-east-1"), parts.name);
    if (!live) throw new Error("GetRole returned no trust policy");
    return {
      role: {
        arn: live.arn,
        trustPolicy: live.trustPolicy,
        maxSessionDuration: live.maxSessionDuration,
        ...(live.roleId ? { roleId: live.roleId } : {}),
      },
      source: `the live trust policy of ${roleArn} (iam:GetRole)`,
    };
  } catch (err) {
    throw iamFailure(err, `iam:GetRole on ${parts.name}`);
  }
}

/** The live role and provider, read through IAM with the SDK's usual credentials and endpoint. */
export async function fromIam(
  roleArn: string,
  issuer: string,
  region: string | undefined,
): Promise<ExplainWorldInput> {
  const { role } = await fromIamRole(roleArn, region);
  const parts = parseRoleArn(roleArn)!;
  const iam = iamClient(region ?? "us-east-1");
  const url = issuer.replace(/^https:\/\//, "");
  const providerArn = `arn:${parts.partition}:iam::${parts.account}:oidc-provider/${url}`;
  let p: Awaited<ReturnType<typeof readProvider>>;
  try {
    p = await readProvider(iam, providerArn);
  } catch (err) {
    throw iamFailure(err, `iam:GetOpenIDConnectProvider on ${providerArn}`);
  }
  if (!p)
    return { role, source: `the live configuration of ${roleArn} (no provider ${providerArn})` };
  return {
    role,
    provider: {
      account: parts.account,
      url,
      clientIds: p.clientIds,
      thumbprints: p.thumbprints,
      partition: parts.partition,
    },
    source: `the live configuration of ${roleArn} (iam:GetRole, iam:GetOpenIDConnectProvider)`,
  };
}

function iamFailure(err: unknown, what: string): Error {
  if (err instanceof PolicyError) return err;
  const e = err as { name?: string; message?: string };
  return new InputError(`${what} failed: ${e.name ?? "Error"}: ${e.message ?? String(err)}`, {
    hint: "explain --role-arn reads the role through IAM: give credentials that may call iam:GetRole (and AWS_ENDPOINT_URL for the emulator), or pass --trust-policy FILE.",
  });
}
