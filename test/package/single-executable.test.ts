import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, ROOT } from "../support/built-cli.js";
import {
  callerArnOf,
  type PipelineWorld,
  ROLE_ARN,
  run,
  sdkCallerArn,
  startPipelineWorld,
} from "../support/pipeline-world.js";

/**
 * The single executable as a step in an image without Node (amazon/aws-cli) would run it: built
 * by the same script as a release (`npm run build:sea`'s second half), started with no `node`
 * on PATH, checked against its checksum file.
 */
let world: PipelineWorld;
let exe: string;
let bin: string;
const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;

function stepEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: bin,
    HOME: world.dir,
    AWS_REGION: "eu-west-1",
    AWS_ENDPOINT_URL: world.emu.awsEndpoint,
    ...extra,
  };
}

beforeAll(async () => {
  ensureBuilt();
  world = await startPipelineWorld();
  const out = join(world.dir, "release");
  const built = spawnSync(process.execPath, ["scripts/build-sea.mjs", "--out", out], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(built.stderr.replace(/^(warning: .*|Wrote single executable .*)\n/gm, "")).toBe("");
  expect(built.status).toBe(0);
  exe = JSON.parse(built.stdout.trim().split("\n").pop()!).executable;
  // A PATH with a shell and nothing else: no node anywhere.
  bin = join(world.dir, "bin");
  mkdirSync(bin);
  symlinkSync("/bin/sh", join(bin, "sh"));
}, 240_000);

afterAll(async () => {
  await world?.close();
});

describe("the single executable", () => {
  it("is named for its platform, verifies against its checksum file, and names its build", async () => {
    expect(exe.endsWith(`bb-oidc-${version}-${process.platform}-${process.arch}`)).toBe(true);
    const sum = readFileSync(`${exe}.sha256`, "utf8");
    expect(sum).toBe(
      `${createHash("sha256").update(readFileSync(exe)).digest("hex")}  ${exe.split("/").pop()}\n`,
    );
    const check = spawnSync("sha256sum", ["-c", `${exe}.sha256`], {
      cwd: join(exe, ".."),
      encoding: "utf8",
    });
    expect(check.stdout).toMatch(/: OK$/m);
    expect(check.status).toBe(0);
    expect(statSync(exe).mode & 0o111).not.toBe(0);

    const noNode = await run("/bin/sh", ["-c", "command -v node || echo none"], stepEnv());
    expect(noNode.stdout.trim()).toBe("none");
    const v = await run(exe, ["--version"], stepEnv());
    expect(v.stdout).toBe(
      `${version} (single executable, ${process.platform}-${process.arch}, Node ${process.version}, commit ${v.stdout.match(/commit (\w+)/)?.[1]})\n`,
    );
  });

  it("exchanges the step's token with credentials, from its own code cache", async () => {
    const r = await run(
      exe,
      [
        "credentials",
        "--role-arn",
        ROLE_ARN,
        "--format",
        "json",
        "--session-name",
        "sea",
        "--debug",
      ],
      stepEnv({ BITBUCKET_STEP_OIDC_TOKEN: await world.mint() }),
    );
    expect(r.stderr).toBe("bb-oidc: start-up: code cache used\n");
    expect(r.code).toBe(0);
    world.issued.push(...Object.values(JSON.parse(r.stdout) as Record<string, string>));
    expect(await callerArnOf(world.emu.awsEndpoint, r.stdout)).toBe(
      "arn:aws:sts::111111111111:assumed-role/deploy/sea",
    );
  });

  it("maps --debug stack frames to the source with the maps it carries", async () => {
    const r = await run(exe, ["credentials", "--role-arn", "not-an-arn", "--debug"], stepEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^\s+at .*\(src\/cli\/exchange-command\.ts:\d+:\d+\)\s+\[pipeline\.cjs\]$/m,
    );
  });

  it("runs a command with exec, and exits 127 for a command that is not there", async () => {
    const env = stepEnv({ BITBUCKET_STEP_OIDC_TOKEN: await world.mint() });
    const ok = await run(
      exe,
      ["exec", "--role-arn", ROLE_ARN, "--", "sh", "-c", 'printf %s "$AWS_ACCESS_KEY_ID"; exit 3'],
      env,
    );
    expect(ok.stdout).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(ok.code).toBe(3);
    const missing = await run(exe, ["exec", "--role-arn", ROLE_ARN, "--", "terraform"], env);
    expect(missing.stderr).toContain("command not found: terraform");
    expect(missing.code).toBe(127);
  });

  it("configures a profile the AWS SDK assumes the role with", async () => {
    const env = stepEnv({ BITBUCKET_STEP_OIDC_TOKEN: await world.mint() });
    const r = await run(exe, ["configure", "--role-arn", ROLE_ARN, "--profile", "ci"], env);
    expect(r.code).toBe(0);
    const who = await sdkCallerArn({
      HOME: world.dir,
      AWS_PROFILE: "ci",
      AWS_ENDPOINT_URL: world.emu.awsEndpoint,
    });
    expect(who.stderr).toBe("");
    expect(who.stdout).toMatch(/^arn:aws:sts::111111111111:assumed-role\/deploy\/bb-oidc-\d+$/);
  });

  it("runs every other command too: the demo's whole story, with no node on PATH", async () => {
    const r = await run(exe, ["demo"], stepEnv());
    expect(r.stdout).toContain("every step behaved as expected");
    expect(r.code).toBe(0);
  }, 120_000);
});
