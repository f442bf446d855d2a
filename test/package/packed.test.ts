import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, ROOT } from "../support/built-cli.js";
import {
  callerArnOf,
  type PipelineWorld,
  ROLE_ARN,
  run,
  startPipelineWorld,
} from "../support/pipeline-world.js";

/**
 * The package as the registry would serve it: `npm pack`, then installed offline from the
 * tarball into an empty prefix (no registry, no cache, no checkout), then run from elsewhere.
 */
let world: PipelineWorld;
let tarball: string;
let bin: string;
let files: string[];
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

function npm(args: string[], cwd: string) {
  return spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      HOME: world.dir,
      npm_config_cache: join(world.dir, "npm-cache"),
      npm_config_update_notifier: "false",
    },
  });
}

beforeAll(async () => {
  ensureBuilt();
  world = await startPipelineWorld();
  // dist/ is built already (npm ci's prepare, npm test's build): packing must not rebuild it
  // under the other test files that are running it.
  const packed = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", world.dir], ROOT);
  expect(packed.status).toBe(0);
  const info = JSON.parse(packed.stdout)[0];
  tarball = join(world.dir, info.filename);
  files = info.files.map((f: { path: string }) => f.path);
  const prefix = join(world.dir, "prefix");
  mkdirSync(prefix);
  const installed = npm(
    ["install", "--global", "--offline", "--prefix", prefix, "--no-audit", "--no-fund", tarball],
    world.dir,
  );
  expect(installed.stderr).not.toMatch(/ERR!/);
  expect(installed.status).toBe(0);
  bin = join(prefix, "bin", "bb-oidc");
}, 180_000);

afterAll(async () => {
  await world?.close();
});

describe("the packed package", () => {
  it("has no runtime dependencies and carries only what runs", () => {
    const manifest = JSON.parse(
      spawnSync("tar", ["-xOzf", tarball, "package/package.json"], { encoding: "utf8" }).stdout,
    );
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.optionalDependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
    for (const needed of [
      "dist/cli.cjs",
      "dist/pipeline.cjs",
      "dist/pipeline.cache",
      "dist/pipeline.cjs.map",
      "dist/main.mjs",
      "dist/index.mjs",
      "dist/emulator.mjs",
      "dist/types/index.d.ts",
      "README.md",
      "package.json",
      "bb-oidc.schema.json",
    ]) {
      expect(files).toContain(needed);
    }
    const stray = files.filter(
      (f) =>
        !/^(dist\/(cli\.cjs|main\.mjs|pipeline\.(cjs|cache)|index\.mjs|emulator\.mjs|[\w.]+\.map|chunks\/|lib\/|types\/)|examples\/|README\.md$|LICENSE|package\.json$|bb-oidc\.schema\.json$)/.test(
          f,
        ),
    );
    expect(stray).toEqual([]);
  });

  it("installed offline into an empty prefix, answers --help and --version from anywhere", async () => {
    const env = { PATH: `${join(bin, "..")}:${process.env.PATH}`, HOME: world.dir };
    const help = await run("bb-oidc", ["--help"], env, { cwd: world.dir });
    expect(help.code).toBe(0);
    for (const command of ["credentials", "exec", "configure", "discover", "explain", "emulator"]) {
      expect(help.stdout).toContain(command);
    }
    const v = await run("bb-oidc", ["--version"], env, { cwd: world.dir });
    expect(v.stdout).toBe(`${pkg.version}\n`);
  });

  it("exchanges a step's token against the emulator, starting from its code cache", async () => {
    const r = await run(
      bin,
      [
        "credentials",
        "--role-arn",
        ROLE_ARN,
        "--format",
        "json",
        "--session-name",
        "packed",
        "--debug",
      ],
      {
        PATH: process.env.PATH,
        HOME: world.dir,
        AWS_REGION: "eu-west-1",
        AWS_ENDPOINT_URL: world.emu.awsEndpoint,
        BITBUCKET_STEP_OIDC_TOKEN: await world.mint(),
      },
      { cwd: world.dir },
    );
    expect(r.stderr).toBe("bb-oidc: start-up: code cache used\n");
    expect(r.code).toBe(0);
    expect(await callerArnOf(world.emu.awsEndpoint, r.stdout)).toBe(
      "arn:aws:sts::111111111111:assumed-role/deploy/packed",
    );
  });
});
