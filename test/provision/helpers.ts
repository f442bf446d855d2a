import { readFileSync } from "node:fs";

export const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

export const example = (): string =>
  readFileSync(new URL("../../examples/bb-oidc.yaml", import.meta.url), "utf8");

export const WS_UUID = "{4f0b2c1e-8d3a-4c55-9a7e-2b6d1e0f9a31}";
export const REPO_A = "{9c1d7e44-3b2a-4f6e-8d15-0a7b6c5d4e3f}";
export const REPO_B = "{0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b}";
export const ENV_PROD = "{d2a8f6b0-1c4e-4a9d-b7e3-5f0c9e8d7a61}";
export const ENV_STAGING = "{7e6d5c4b-3a29-4188-9706-f5e4d3c2b1a0}";
export const HOST_PATH = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";

/** A valid configuration text with `roles` spliced in (YAML flow/indented text). */
export function configText(roles: string, extra = ""): string {
  return `workspace: { slug: acme, uuid: "${WS_UUID}" }
provider: { create: true }
${extra}roles:
${roles}`;
}
