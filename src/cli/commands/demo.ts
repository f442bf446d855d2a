import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { decideWebIdentity, staticWorld } from "../../sts/index.js";
import { decisionText } from "../render/decision.js";

/** Files shipped in examples/, found next to dist/ or src/cli/commands/. */
function example(name: string): unknown {
  for (const base of ["../examples/explain/", "../../../examples/explain/"]) {
    try {
      return JSON.parse(readFileSync(fileURLToPath(new URL(base + name, import.meta.url)), "utf8"));
    } catch {
      // try the next layout
    }
  }
  throw new Error(`example file ${name} is missing from this installation`);
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "Walk through bb-oidc's decisions on shipped example files (the end-to-end emulator demo replaces this).",
    )
    .action(async () => {
      const trustPolicy = example("trust-policy.json");
      const world = staticWorld({
        providers: [
          {
            account: "111111111111",
            url: "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
            clientIds: ["ari:cloud:bitbucket::workspace/3f6d1c52-8a4e-4b1f-9c7d-2e5a0b9f4d61"],
          },
        ],
        roles: [{ arn: "arn:aws:iam::111111111111:role/deploy-web-prod", trustPolicy }],
        keys: { getKey: () => Promise.reject(new Error("unsigned claims only")) },
      });
      let failed = false;
      for (const [title, file, expectOk] of [
        ["A production deployment step of the web repository", "claims-web-production.json", true],
        ["A feature-branch step of another repository", "claims-other-repository.json", false],
      ] as const) {
        const claims = example(file) as Record<string, unknown>;
        const d = await decideWebIdentity(
          {
            roleArn: "arn:aws:iam::111111111111:role/deploy-web-prod",
            roleSessionName: "bb-oidc-demo",
            webIdentityToken: "",
            now: 1767226000,
            unsignedClaims: claims,
          },
          world,
        );
        process.stdout.write(
          `\n== ${title} (examples/explain/${file})\n\n${decisionText(d, true)}\n`,
        );
        if (d.ok !== expectOk) failed = true;
      }
      process.exitCode = failed ? 1 : 0;
    });
}
