// What the emulator benches exchange: an OIDC provider and a role trusting one repository,
// created through the real IAM SDK with the account's admin key, and request bodies of
// AssumeRoleWithWebIdentity with distinct tokens (each mint is a new pipeline step).
import { readFileSync } from "node:fs";
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { postJsonTls } from "./procs.mjs";

export const ACCOUNT = "111111111111";
export const ROLE_NAME = "bench-deploy";
export const REPO = "{5d2f3a1e-7c4b-4e8a-9f1d-3b6a2c8e4f70}";
/** In every successful answer. */
export const EXPECT = "</Credentials>";

/** Creates the provider and role in a running emulator; returns `tokens` request bodies. */
export async function webIdentityBodies(ready, tokens) {
  const ws = ready.workspaces[0];
  const { accessKeyId, secretAccessKey } = ready.accounts[0];
  const iam = new IAMClient({
    endpoint: ready.awsEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
  const audience = `ari:cloud:bitbucket::workspace/${ws.uuid.replace(/[{}]/g, "")}`;
  const providerHost = ws.issuer.slice("https://".length);
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: ws.issuer,
      ClientIDList: [audience],
      ThumbprintList: [ready.thumbprint],
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: ROLE_NAME,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${providerHost}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { [`${providerHost}:aud`]: audience },
              StringLike: { [`${providerHost}:sub`]: `${REPO}:*` },
            },
          },
        ],
      }),
    }),
  );
  iam.destroy();

  const ca = readFileSync(ready.caFile);
  const minted = [];
  for (let i = 0; i < tokens; i++) {
    const { token } = await postJsonTls(
      `${ready.bitbucketEndpoint}/_emulator/mint`,
      { workspace: ws.slug, repositoryUuid: REPO },
      ca,
    );
    minted.push(token);
  }
  if (new Set(minted).size !== tokens) throw new Error("the minted tokens are not distinct");
  return minted.map((token, i) =>
    new URLSearchParams({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`,
      RoleSessionName: `bench-${i}`,
      WebIdentityToken: token,
    }).toString(),
  );
}
