/**
 * A trust policy that names one key twice — here a second `:sub` condition that would let a
 * foreign repository in if the last one won — is refused by every door, as IAM refuses it:
 * the policy compiler, `explain`, `lint`, `who-can` and the emulator's IAM.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateRoleCommand,
  GetRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../src/errors.js";
import { compilePolicy } from "../../src/policy/index.js";
import { failure, iam, startEndpoint } from "../emulator/aws/helpers.js";
import { ensureBuilt, runCli } from "../sts/cli-kit.js";

const A = "111111111111";
const HOST = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
const OWN = "{9b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0}:*";
const FOREIGN = "{1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d}:*";
const AUD = "ari:cloud:bitbucket::workspace/6e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";

/** The foreign repository's pattern comes second: last-wins would let it in. */
const DOUBLED = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::${A}:oidc-provider/${HOST}"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringLike": {
      "${HOST}:sub": "${OWN}",
      "${HOST}:sub": "${FOREIGN}"
    }}
  }]
}`;
const CLEAN = DOUBLED.replace(`,\n      "${HOST}:sub": "${FOREIGN}"`, "");

describe("a repeated key in a policy", () => {
  it("is refused by the compiler, naming the key and where, with IAM's own words", () => {
    let e: unknown;
    try {
      compilePolicy(DOUBLED, { kind: "trust" });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(PolicyError);
    const p = e as PolicyError;
    expect(p.path).toBe("$.Statement[0].Condition.StringLike");
    expect(p.message).toContain(`"${HOST}:sub" appears twice`);
    expect(p.awsMessage).toBe("Syntax errors in policy.");
    expect(() => compilePolicy(CLEAN, { kind: "trust" })).not.toThrow();
  });

  it("is found at any depth, and only in the same object", () => {
    const repeated = (doc: string) => {
      try {
        compilePolicy(doc, { kind: "trust" });
        return undefined;
      } catch (err) {
        return (err as PolicyError).path;
      }
    };
    expect(
      repeated(
        CLEAN.replace(
          '"Version": "2012-10-17",',
          '"Version": "2012-10-17", "Version": "2012-10-17",',
        ),
      ),
    ).toBe("$");
    expect(
      repeated(CLEAN.replace('"Effect": "Allow",', '"Effect": "Deny", "Effect": "Allow",')),
    ).toBe("$.Statement[0]");
    // The same key in two different objects is no repetition.
    const two = CLEAN.replace(
      '"Statement": [{',
      '"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}, {',
    );
    expect(repeated(two)).toBeUndefined();
  });
});

describe("every door refuses it", () => {
  let dir: string;
  let ep: Awaited<ReturnType<typeof startEndpoint>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bb-oidc-dup-"));
    ensureBuilt(dir);
    writeFileSync(join(dir, "trust.json"), DOUBLED);
    writeFileSync(
      join(dir, "template.yaml"),
      [
        'AWSTemplateFormatVersion: "2010-09-09"',
        "Resources:",
        "  Deploy:",
        "    Type: AWS::IAM::Role",
        "    Properties:",
        "      RoleName: deploy",
        `      AssumeRolePolicyDocument: ${JSON.stringify(DOUBLED)}`,
        "",
      ].join("\n"),
    );
    ep = await startEndpoint();
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ep?.close();
  });

  it("explain: an input error naming the repeated key (exit 2), no verdict", async () => {
    const r = await runCli([
      "explain",
      "--trust-policy",
      join(dir, "trust.json"),
      "--claims",
      JSON.stringify({
        iss: `https://${HOST}`,
        aud: [AUD],
        sub: "{1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d}:{s}",
        exp: 9999999999,
      }),
      "--client-id",
      AUD,
      "--role-arn",
      `arn:aws:iam::${A}:role/deploy`,
    ]);
    expect(r.exitCode, r.stdout).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`"${HOST}:sub" appears twice`);
  });

  it("lint and who-can: the template is refused as input (exit 2), naming the key", async () => {
    const lint = await runCli(["lint", join(dir, "template.yaml")]);
    const whoCan = await runCli([
      "who-can",
      "--template",
      join(dir, "template.yaml"),
      "--repository",
      `foreign=${FOREIGN.slice(0, -2)}`,
    ]);
    for (const r of [lint, whoCan]) {
      expect(r.exitCode, r.stdout).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`names "${HOST}:sub" twice in one object`);
      expect(r.stderr).toContain("MalformedPolicyDocument");
    }
  });

  it("the emulator's IAM: MalformedPolicyDocument, on create and on update", async () => {
    const client = iam(ep.url, ep.accounts[0]!);
    const created = await failure(
      client.send(new CreateRoleCommand({ RoleName: "dup", AssumeRolePolicyDocument: DOUBLED })),
    );
    expect(created).toMatchObject({
      name: "MalformedPolicyDocumentException",
      status: 400,
      message: "Syntax errors in policy.",
    });
    await client.send(new CreateRoleCommand({ RoleName: "dup", AssumeRolePolicyDocument: CLEAN }));
    const updated = await failure(
      client.send(new UpdateAssumeRolePolicyCommand({ RoleName: "dup", PolicyDocument: DOUBLED })),
    );
    expect(updated.message).toBe("Syntax errors in policy.");
    const kept = await client.send(new GetRoleCommand({ RoleName: "dup" }));
    expect(decodeURIComponent(kept.Role!.AssumeRolePolicyDocument!)).not.toContain(FOREIGN);
  });
});
