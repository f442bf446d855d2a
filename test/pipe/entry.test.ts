import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BUILT_CLI, ensureBuilt, ROOT } from "../support/built-cli.js";
import {
  ACCOUNT,
  type PipelineWorld,
  ROLE_ARN,
  run,
  sdkCallerArn,
  startPipelineWorld,
} from "../support/pipeline-world.js";

/**
 * The Pipe's entry script run as its container runs it: pipe/pipe.sh as the entry point, the
 * step's and the pipe's variables as its environment, bb-oidc on PATH, the clone directory
 * shared with the step; what comes out is the exit code and the files left in the clone.
 */
const ENTRY = join(ROOT, "pipe", "pipe.sh");
const HOP_ARN = `arn:aws:iam::${ACCOUNT}:role/pipe-hop`;
let world: PipelineWorld;
let bin: string;
let clone: string;

function pipe(variables: NodeJS.ProcessEnv) {
  return run(ENTRY, [], {
    PATH: `${bin}:/usr/bin:/bin`,
    BITBUCKET_CLONE_DIR: clone,
    BITBUCKET_REPO_SLUG: "web",
    BITBUCKET_BUILD_NUMBER: "12",
    AWS_ENDPOINT_URL: world.emu.awsEndpoint,
    ...variables,
  });
}

beforeAll(async () => {
  ensureBuilt();
  world = await startPipelineWorld();
  // The image's /usr/local/bin/bb-oidc (the single executable, tested on its own elsewhere).
  bin = join(world.dir, "bin");
  mkdirSync(bin);
  writeFileSync(
    join(bin, "bb-oidc"),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BUILT_CLI)} "$@"\n`,
  );
  chmodSync(join(bin, "bb-oidc"), 0o755);
  clone = join(world.dir, "clone");
  mkdirSync(clone);
  const iam = new IAMClient({
    region: "us-east-1",
    endpoint: world.emu.awsEndpoint,
    credentials: {
      accessKeyId: world.emu.accounts[0]!.accessKeyId,
      secretAccessKey: world.emu.accounts[0]!.secretAccessKey,
    },
  });
  await iam.send(
    new CreateRoleCommand({
      RoleName: "pipe-hop",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: ROLE_ARN }, Action: "sts:AssumeRole" }],
      }),
    }),
  );
  iam.destroy();
});

afterAll(async () => {
  await world?.close();
});

describe("the Pipe's entry script", () => {
  it("without oidc: true refuses with the YAML fix, and never uses the step's static keys", async () => {
    const r = await pipe({
      AWS_OIDC_ROLE_ARN: ROLE_ARN,
      COMMAND: "echo ran > ran.txt",
      AWS_ACCESS_KEY_ID: world.emu.accounts[0]!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: world.emu.accounts[0]!.secretAccessKey,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Add oidc: true to the step");
    expect(r.stderr).toMatch(/- step:\n\s+oidc: true\n\s+script:\n\s+- pipe: /);
    expect(r.stderr).toContain("never falls back to AWS_ACCESS_KEY_ID");
    expect(existsSync(join(clone, "ran.txt"))).toBe(false);
  });

  it("refuses incomplete or contradictory variables", async () => {
    const token = await world.mint();
    const noRole = await pipe({ BITBUCKET_STEP_OIDC_TOKEN: token, COMMAND: "true" });
    expect(noRole).toMatchObject({ code: 2 });
    expect(noRole.stderr).toContain("AWS_OIDC_ROLE_ARN is not set");
    const both = await pipe({
      BITBUCKET_STEP_OIDC_TOKEN: token,
      AWS_OIDC_ROLE_ARN: ROLE_ARN,
      COMMAND: "true",
      PROFILE: "deploy",
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("not both");
  });

  it("COMMAND runs in the clone directory with the role's credentials; its status is the pipe's", async () => {
    const r = await pipe({
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
      AWS_OIDC_ROLE_ARN: ROLE_ARN,
      AWS_DEFAULT_REGION: "eu-west-1",
      COMMAND: 'printf "%s %s" "$AWS_ACCESS_KEY_ID" "$AWS_REGION" > who.txt; exit 4',
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(4);
    expect(readFileSync(join(clone, "who.txt"), "utf8")).toMatch(/^ASIA[A-Z0-9]{16} eu-west-1$/);
  });

  it("PROFILE writes a profile the step's later commands use, through a chain given as a list", async () => {
    const r = await pipe({
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
      AWS_OIDC_ROLE_ARN: ROLE_ARN,
      PROFILE: "deploy",
      CHAIN_COUNT: "1",
      CHAIN_0: `${HOP_ARN},session-name=from-pipe`,
      ALLOWED_ACCOUNT_IDS: `222222222222, ${ACCOUNT}`,
      DEBUG: "true",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("bb-oidc: start-up: code cache used");
    const exports = /export (.*)$/m.exec(r.stderr)![1]!;
    const env = Object.fromEntries(
      exports.split(" ").map((kv) => kv.split("=") as [string, string]),
    );
    expect(env).toEqual({
      AWS_SHARED_CREDENTIALS_FILE: join(clone, ".bb-oidc", "credentials"),
      AWS_CONFIG_FILE: join(clone, ".bb-oidc", "config"),
      AWS_PROFILE: "deploy",
    });
    const later = await sdkCallerArn({ ...env, AWS_ENDPOINT_URL: world.emu.awsEndpoint });
    expect(later.stdout).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/pipe-hop/from-pipe`);
  });

  it("refuses credentials of an account not allowed, writing no profile", async () => {
    const r = await pipe({
      BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
      AWS_OIDC_ROLE_ARN: ROLE_ARN,
      PROFILE: "elsewhere",
      ALLOWED_ACCOUNT_IDS: "222222222222",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not among the allowed accounts (222222222222)");
    const credentials = join(clone, ".bb-oidc", "credentials");
    expect(existsSync(credentials) && readFileSync(credentials, "utf8")).not.toContain(
      "[elsewhere]",
    );
  });

  it("pipe.yml names every variable the entry script reads", () => {
    const yml = parse(readFileSync(join(ROOT, "pipe", "pipe.yml"), "utf8")) as {
      variables: { name: string }[];
    };
    const script = readFileSync(ENTRY, "utf8");
    const read = new Set(
      [...script.matchAll(/\$\{?([A-Z][A-Z0-9_]+)|items ([A-Z_]+)/g)].map((m) => m[1] ?? m[2]),
    );
    const named = yml.variables.map((v) => v.name);
    const own = [...read].filter(
      (v) => !/^(BITBUCKET_|AWS_(SHARED_CREDENTIALS_FILE|CONFIG_FILE|REGION)$)/.test(v!),
    );
    expect(new Set(own)).toEqual(new Set(named));
  });
});
