/** The planted organisation on an emulator endpoint, and SDK access to it as the auditor. */
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AuditAccess } from "../../src/audit/run-audit.js";
import { registerOrganization } from "../../src/emulator/aws/organizations/index.js";
import { type Creds, startEndpoint } from "../emulator/aws/helpers.js";
import {
  type PipelineIssuer,
  pipelineSession,
  startPipelineIssuer,
} from "../emulator/aws/pipeline-issuer.js";
import {
  AUDITOR_ROLE,
  DEV,
  MANAGEMENT,
  OUS,
  PROD_A,
  PROD_B,
  plantAccount,
  plants,
} from "./fixtures.js";

export type Endpoint = Awaited<ReturnType<typeof startEndpoint>> & {
  /** A session of the auditor role in the management account, as a scheduled pipeline gets it. */
  auditor: Creds;
  issuer: PipelineIssuer;
};

/**
 * The organisation, planted through the SDK with each account's root keys (as an administrator
 * would), and the auditor's session: a Bitbucket pipeline of the management account that assumed
 * the auditor role with its step token. (An account's root may not call AssumeRole, so the audit
 * runs as a role session, as it would in AWS.)
 */
export async function startPlantedOrganization(): Promise<Endpoint> {
  const issuer = await startPipelineIssuer();
  const ep = await startEndpoint({
    accounts: [MANAGEMENT, PROD_A, PROD_B, DEV],
    issuerAccess: issuer.issuerAccess,
  });
  await registerOrganization(ep.backend, OUS, { managementAccount: MANAGEMENT });
  for (const [account, list] of Object.entries(plants())) {
    await plantAccount(iamAs(ep, account), account, list);
  }
  const auditor = await pipelineSession(
    ep.url,
    issuer,
    `arn:aws:iam::${MANAGEMENT}:role/${AUDITOR_ROLE}`,
    "scheduled-audit",
  );
  const closeEndpoint = ep.close.bind(ep);
  return Object.assign(ep, {
    auditor,
    issuer,
    async close() {
      await closeEndpoint();
      await issuer.close();
    },
  });
}

/** An account's root keys (for planting, and for what a member's root may not do). */
export function credsOf(
  ep: { accounts: { id: string; accessKeyId: string; secretAccessKey: string }[] },
  account: string,
): Creds {
  const a = ep.accounts.find((x) => x.id === account)!;
  return { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey };
}

/** A role session in a member account: the auditor entering its OrganizationAccountAccessRole. */
export async function memberSession(ep: Endpoint, account: string): Promise<Creds> {
  const sts = new STSClient({
    endpoint: ep.url,
    region: "us-east-1",
    credentials: ep.auditor,
    maxAttempts: 1,
  });
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
        RoleSessionName: "member",
      }),
    );
    return {
      accessKeyId: c!.AccessKeyId!,
      secretAccessKey: c!.SecretAccessKey!,
      sessionToken: c!.SessionToken!,
    };
  } finally {
    sts.destroy();
  }
}

export function iamAs(
  ep: Parameters<typeof credsOf>[0] & { url: string },
  account: string,
): IAMClient {
  return new IAMClient({
    endpoint: ep.url,
    region: "us-east-1",
    credentials: credsOf(ep, account),
    maxAttempts: 1,
  });
}

/** What the CLI builds from the SDK's credential chain, here with the auditor's session. */
export function managementAccess(ep: Endpoint): AuditAccess {
  const credentials = ep.auditor;
  const common = { endpoint: ep.url, region: "us-east-1", maxAttempts: 3 };
  return {
    callerAccount: MANAGEMENT,
    partition: "aws",
    sts: new STSClient({ ...common, credentials }),
    organizations: new OrganizationsClient({ ...common, credentials }),
    iamFor: (session) => new IAMClient({ ...common, credentials: session ?? credentials }),
  };
}
