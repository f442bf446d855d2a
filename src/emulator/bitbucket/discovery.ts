import { issuerFor } from "../../bitbucket/index.js";

/**
 * OpenID discovery document of a workspace's issuer. Field set follows what an OIDC provider that
 * only issues ID tokens publishes; Bitbucket's exact document is not documented [U], the parts a
 * verifier relies on (issuer, jwks_uri, RS256) are.
 */
export function discoveryDocument(slug: string): Record<string, unknown> {
  const issuer = issuerFor(slug);
  return {
    issuer,
    jwks_uri: `${issuer}/keys.json`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid"],
    claims_supported: [
      "iss",
      "aud",
      "sub",
      "iat",
      "exp",
      "workspaceUuid",
      "repositoryUuid",
      "pipelineUuid",
      "stepUuid",
      "deploymentEnvironmentUuid",
      "branchName",
      "accountUuid",
    ],
  };
}
