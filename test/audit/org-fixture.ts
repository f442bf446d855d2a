/** The planted organisation on an emulator endpoint, and SDK access to it as the management account. */
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import type { AuditAccess } from "../../src/audit/run-audit.js";
import { registerOrganization } from "../../src/emulator/aws/organizations/index.js";
import { startEndpoint } from "../emulator/aws/helpers.js";
import { DEV, MANAGEMENT, OUS, PROD_A, PROD_B, plantAccount, plants } from "./fixtures.js";

export type Endpoint = Awaited<ReturnType<typeof startEndpoint>>;

export async function startPlantedOrganization(): Promise<Endpoint> {
  const ep = await startEndpoint({ accounts: [MANAGEMENT, PROD_A, PROD_B, DEV] });
  await registerOrganization(ep.backend, OUS, { managementAccount: MANAGEMENT });
  const all = plants();
  for (const [account, list] of Object.entries(all))
    await plantAccount(iamAs(ep, account), account, list);
  return ep;
}

export function credsOf(ep: Endpoint, account: string) {
  const a = ep.accounts.find((x) => x.id === account)!;
  return { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey };
}

export function iamAs(ep: Endpoint, account: string): IAMClient {
  return new IAMClient({
    endpoint: ep.url,
    region: "us-east-1",
    credentials: credsOf(ep, account),
    maxAttempts: 1,
  });
}

/** What the CLI builds from the SDK's credential chain, here with the management account's keys. */
export function managementAccess(ep: Endpoint, account = MANAGEMENT): AuditAccess {
  const credentials = credsOf(ep, account);
  const common = { endpoint: ep.url, region: "us-east-1", maxAttempts: 3 };
  return {
    callerAccount: account,
    partition: "aws",
    sts: new STSClient({ ...common, credentials }),
    organizations: new OrganizationsClient({ ...common, credentials }),
    iamFor: (session) => new IAMClient({ ...common, credentials: session ?? credentials }),
  };
}
