import { parseIssuer } from "../../../bitbucket/index.js";
import type { LintRule } from "../types.js";
import { isPlaceholder } from "./helpers.js";

/**
 * IAM: Url starts with https://, at most 255 characters; STS compares `iss` with it exactly, so a
 * Bitbucket issuer with a trailing slash or another path never matches a token.
 */
export const providerUrlFormat: LintRule = {
  id: "provider-url-format",
  severity: "error",
  description:
    "An OIDC provider's Url or ClientIdList is not what IAM accepts or what Bitbucket tokens carry.",
  help: "Url: https://api.bitbucket.org/2.0/workspaces/<workspace>/pipelines-config/identity/oidc exactly; ClientIdList: 1–100 audiences.",
  check(ctx, report) {
    for (const p of ctx.providers) {
      const url = p.url;
      const problem = (message: string, fix: string, property = "Url") =>
        report({
          file: p.file,
          position: p.locate(property) ?? p.position,
          message: `provider ${p.logicalId}: ${message}`,
          fix,
        });
      if (p.clientIds.length === 0) {
        problem(
          "ClientIdList is empty; IAM requires 1 to 100 client IDs.",
          "List the audience(s) the tokens carry, e.g. ari:cloud:bitbucket::workspace/<workspace-uuid>.",
          "ClientIdList",
        );
      } else if (p.clientIds.length > 100) {
        problem(
          `ClientIdList has ${p.clientIds.length} entries; IAM allows 100.`,
          "Keep at most 100 audiences.",
          "ClientIdList",
        );
      }
      if (url === undefined || isPlaceholder(url)) continue;
      if (!url.startsWith("https://")) {
        problem(
          `Url ${JSON.stringify(url)} does not start with https://; IAM refuses it.`,
          `Write "https://${url.replace(/^[a-z]+:\/\//i, "")}".`,
        );
        continue;
      }
      if (url.length > 255)
        problem(
          `Url is ${url.length} characters; IAM allows 255.`,
          "Use the issuer URL exactly as Bitbucket shows it.",
        );
      const bitbucketLike =
        /bitbucket\.org/i.test(url) || url.includes("/pipelines-config/identity/oidc");
      if (bitbucketLike && parseIssuer(url) === null) {
        const trimmed = url.replace(/\/+$/, "");
        const fixed = parseIssuer(trimmed)
          ? trimmed
          : "https://api.bitbucket.org/2.0/workspaces/<workspace>/pipelines-config/identity/oidc";
        problem(
          `Url ${JSON.stringify(url)} is not a Bitbucket Pipelines issuer; STS compares the token's iss with it exactly, so no token matches.`,
          `Write "${fixed}".`,
        );
      }
    }
  },
};
